"""Each rule on built data, the matching by name and birth date, and the work list across runs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from fupin.monitoring import services
from fupin.monitoring.models import Finding
from fupin.registry.models import Member

from ..conftest import VILLAGE_A, make_id_number
from .conftest import write_csv

HEADERS = {
    "civil": ["姓名", "证件号码", "类别", "开始日期"],
    "deaths": ["姓名", "证件号码", "死亡日期"],
    "moves": ["姓名", "证件号码", "迁出日期", "迁往地址"],
    "disability": ["姓名", "证件号码", "残疾类别", "残疾等级"],
    "vehicles": ["姓名", "证件号码", "号牌号码", "车辆类型", "车辆价值"],
    "property": ["姓名", "证件号码", "房屋坐落"],
    "business": ["姓名", "证件号码", "企业名称", "登记状态"],
    "payroll": ["姓名", "证件号码", "工作单位"],
}


@pytest.fixture
def load(tmp_path):
    counter = iter(range(1000))

    def loader(kind, rows, list_date="2017-06-30"):
        path = write_csv(tmp_path / f"{kind}-{next(counter)}.csv", HEADERS[kind], rows)
        return services.load_file(
            actor=None, kind=kind, path=path, list_date=dt.date.fromisoformat(list_date)
        )

    return loader


def open_findings(rule=None):
    queryset = Finding.objects.filter(status=Finding.Status.OPEN)
    if rule:
        queryset = queryset.filter(rule=rule)
    return {(f.rule, f.household_no, f.name) for f in queryset}


def test_a_clean_registry_without_lists_has_only_the_labourless_household(people):
    services.run(actor=None)
    assert open_findings() == {("no_labour_not_dibao", "H-CHEN", "陈老汉")}


@pytest.mark.parametrize(
    ("kind", "row", "rule"),
    [
        ("deaths", ["2017-01-02"], "deceased"),
        ("moves", ["2017-02-03", "广州市天河区"], "moved"),
        ("vehicles", ["粤R12345", "小型轿车", "85000"], "owns_vehicle"),
        ("property", ["连州市中山北路8号"], "owns_property"),
        ("business", ["连州市大明建材店", "在营"], "business_registered"),
        ("payroll", ["连州市星子镇中心小学"], "public_payroll"),
    ],
)
def test_a_member_on_a_department_list_is_a_finding(people, load, kind, row, rule):
    load(kind, [["王大明", people["ids"]["wang"], *row]])
    services.run(actor=None)
    assert open_findings(rule) == {(rule, "H-WANG", "王大明")}
    finding = Finding.objects.get(rule=rule)
    assert finding.evidence["registry"]["id_number"] == people["ids"]["wang"]
    assert finding.evidence["list"]["kind"] == kind
    assert finding.score == 100


def test_cheap_farm_vehicles_and_closed_businesses_do_not_count(people, load):
    load(
        "vehicles",
        [
            ["王大明", people["ids"]["wang"], "粤R1", "小型轿车", "12000"],
            ["李建国", people["ids"]["li"], "粤R2", "拖拉机", ""],
        ],
    )
    load("business", [["王大明", people["ids"]["wang"], "大明店", "注销"]])
    services.run(actor=None)
    assert not open_findings("owns_vehicle") and not open_findings("business_registered")


def test_dibao_both_ways_and_the_unregistered_recipient(people, load):
    Member.objects.filter(name="李建国").update(dibao=True)  # marked in the registry, not on the roll
    stranger = make_id_number(born=dt.date(1955, 5, 5))
    load(
        "civil",
        [
            ["王大明", people["ids"]["wang"], "低保", "2016-01-01"],  # on the roll, not marked
            ["陈老汉", people["ids"]["chen"], "特困", "2016-01-01"],  # on the roll, not marked
            ["周某", stranger, "低保", "2016-01-01"],  # not in the registry at all
        ],
    )
    services.run(actor=None)
    assert open_findings("dibao_mismatch") == {
        ("dibao_mismatch", "H-WANG", "王大明"),
        ("dibao_mismatch", "H-LI", "李建国"),
        ("dibao_mismatch", "H-CHEN", "陈老汉"),
    }
    assert open_findings("dibao_not_registered") == {("dibao_not_registered", "", "周某")}
    # 陈老汉's household has no labour capacity but is on the 民政 roll now: no longer a finding.
    assert not open_findings("no_labour_not_dibao")


def test_disability_both_ways(people, load):
    load("disability", [["李建国", people["ids"]["li"], "肢体残疾", "二级"]])
    services.run(actor=None)
    details = {f.name: f.detail for f in Finding.objects.filter(rule="disability_mismatch")}
    assert set(details) == {"李建国", "刘小花"}  # certificate but not marked; marked but no certificate
    assert "持有残疾证" in details["李建国"] and "没有此人的残疾证" in details["刘小花"]


def test_registry_anomalies(people, build):
    head = Member.objects.get(name="王大明")
    Member.objects.filter(pk=head.pk).update(
        id_number=head.id_number[:17] + ("1" if head.id_number[17] != "1" else "2")
    )
    Member.objects.filter(name="刘小花").update(birth_date=dt.date(1962, 7, 10))  # disagrees with the ID
    # The same person registered in a second household (same name and birth date, another number).
    build(
        VILLAGE_A,
        [{"name": "李建国", "id_number": make_id_number(area="441881", born=people["born"]["li"])}],
        household_no="H-LI2",
    )
    services.run(actor=None)
    assert open_findings("head_id_error") == {("head_id_error", "H-WANG", "王大明")}
    assert open_findings("member_id_error") == {("member_id_error", "H-WANG", "刘小花")}
    assert open_findings("duplicate_id") == {
        ("duplicate_id", "H-LI", "李建国"),
        ("duplicate_id", "H-LI2", "李建国"),
    }


def test_fuzzy_matching_finds_a_member_with_one_wrong_digit(people, load):
    number = people["ids"]["wang"]
    slip = number[:14] + ("9" if number[14] != "9" else "8") + number[15:]  # one digit copied wrong
    load("deaths", [["王大明", slip, "2017-01-02"]])
    services.run(actor=None)
    deceased = Finding.objects.get(rule="deceased")
    assert deceased.household_no == "H-WANG" and deceased.score >= 85
    assert "证件号码有1位不同" in deceased.evidence["match"]
    mismatch = Finding.objects.get(rule="id_mismatch")
    assert mismatch.evidence["list"]["id_number"] == slip
    assert mismatch.evidence["registry"]["id_number"] == number


def test_two_people_of_the_same_name_are_not_matched(people, load):
    other = make_id_number(born=dt.date(1983, 9, 9))  # another 王大明, born another day
    load("deaths", [["王大明", other, "2017-01-02"]])
    services.run(actor=None)
    assert not Finding.objects.filter(rule__in=["deceased", "id_mismatch"]).exists()


def test_same_name_and_birth_date_but_a_different_number_is_not_a_match(people, load):
    other = make_id_number(area="440111", born=people["born"]["wang"])
    load("deaths", [["王大明", other, "2017-01-02"]])
    services.run(actor=None)
    assert not Finding.objects.filter(rule="deceased").exists()


def test_a_name_read_the_same_with_a_missing_number_matches_by_birth_date_and_village(people, load, tmp_path):
    path = write_csv(
        tmp_path / "deaths.csv",
        ["姓名", "证件号码", "死亡日期", "出生日期", "住址"],
        [["王大明", "", "2017-01-02", "1960-03-05", "星子镇昌黎村"]],
    )
    services.load_file(actor=None, kind="deaths", path=path)
    services.run(actor=None)
    assert open_findings("deceased") == {("deceased", "H-WANG", "王大明")}


def test_a_dismissed_finding_stays_dismissed_until_its_evidence_changes(people, users, load):
    load("payroll", [["王大明", people["ids"]["wang"], "星子镇中心小学"]])
    services.run(actor=None)
    finding = Finding.objects.get(rule="public_payroll")
    services.decide(actor=users["town"], finding=finding, decision="dismiss", reason="临时代课，非编制人员")
    load(
        "payroll",
        [["王大明", people["ids"]["wang"], "星子镇中心小学"], ["某某", make_id_number(), "镇政府"]],
        "2017-09-30",
    )
    services.run(actor=None)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.DISMISSED
    load("payroll", [["王大明", people["ids"]["wang"], "连州市教育局"]], "2017-12-31")
    services.run(actor=None)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.OPEN
    assert "证据已变化" in finding.reason


def test_a_fixed_finding_closes_itself(people, users, load):
    load("civil", [["王大明", people["ids"]["wang"], "低保", "2016-01-01"]])
    services.run(actor=None)
    finding = Finding.objects.get(rule="dibao_mismatch", household_no="H-WANG")
    services.decide(actor=users["cadre"], finding=finding, decision="confirm", reason="")
    Member.objects.filter(name="王大明").update(dibao=True)  # the village corrects the registry
    result = services.run(actor=None)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.CLOSED and finding.closed_at is not None
    assert result.closed == 1


def test_a_user_decides_only_in_their_area(people, users, load):
    from django.core.exceptions import PermissionDenied, ValidationError

    load("payroll", [["陈老汉", people["ids"]["chen"], "镇政府"]])
    services.run(actor=None)
    finding = Finding.objects.get(rule="public_payroll")  # village B
    with pytest.raises(PermissionDenied):
        services.decide(actor=users["cadre"], finding=finding, decision="dismiss", reason="x")
    with pytest.raises(ValidationError):
        services.decide(actor=users["cadre_b"], finding=finding, decision="dismiss", reason=" ")
    with pytest.raises(PermissionDenied):
        services.decide(actor=users["civil"], finding=finding, decision="confirm", reason="")


def test_the_findings_command_lists_open_findings_with_masked_numbers(people, load, capsys):
    load("vehicles", [["王大明", people["ids"]["wang"], "粤R12345", "小型轿车", "85000"]])
    call_command("monitoring", "run")
    capsys.readouterr()
    call_command("monitoring", "findings", "--rule", "owns_vehicle")
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "rule,household_no,id_number,detail,score"
    assert len(lines) == 2 and lines[1].startswith("owns_vehicle,H-WANG,441882***********")
    assert people["ids"]["wang"] not in lines[1]
    call_command("monitoring", "findings", "--village", "441882101202", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert [r["rule"] for r in rows] == ["no_labour_not_dibao"]
    assert set(rows[0]) == {"rule", "household_no", "id_number", "detail", "score"}
