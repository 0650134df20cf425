"""An exit (脱贫退出) from proposal to 已脱贫, and every refusal of the issue's "Bad input and faults"."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.core import audit
from fupin.core.models import AuditEvent
from fupin.procedures import services
from fupin.procedures.models import Procedure, Step
from fupin.registry.models import Household

from .conftest import STEP_DATA, propose, sheet, walk_to


def test_an_exit_walks_every_step_and_only_then_changes_the_household(eligible, users, clock):
    procedure = propose(eligible, users, clock)
    assert procedure.verdict["ok"] is True and procedure.verdict["judged"] is True
    procedure = walk_to(procedure, "announcement", users, clock)
    eligible.refresh_from_db()
    assert (eligible.status, eligible.exit_year) == ("registered", None)  # not before the 公告
    services.act(
        actor=users["town"],
        procedure=procedure,
        step="announcement",
        data={
            "start_date": clock().isoformat(),
            "end_date": (clock() + dt.timedelta(days=7)).isoformat(),
            "office": "星子镇人民政府",
        },
    )
    procedure.refresh_from_db()
    eligible.refresh_from_db()
    assert procedure.state == "completed"
    assert (eligible.status, eligible.exit_year) == ("exited", 2016)
    change = eligible.status_changes.get(to_status="exited")
    assert change.year == 2016 and change.changed_by == users["town"]
    codes = [s.code for s in procedure.steps.order_by("index")]
    assert codes == [
        "proposal",
        "village_review",
        "verification",
        "acceptance",
        "notice",
        "town_approval",
        "announcement",
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="procedures.").values_list("action", flat=True)
    )
    assert actions.count("procedures.step") == 5 and actions.count("procedures.notice") == 2
    assert {"procedures.start", "procedures.approve", "procedures.complete"} <= set(actions)
    assert audit.verify().ok


def test_a_step_out_of_order_is_refused(eligible, users, clock):
    procedure = propose(eligible, users, clock)
    with pytest.raises(services.Refused, match="步骤顺序不对：当前应办理“村民主评议”"):
        services.act(
            actor=users["cadre"],
            procedure=procedure,
            step="verification",
            data={**STEP_DATA["verification"], "date": clock().isoformat()},
        )
    assert procedure.steps.count() == 1


def test_the_proposer_cannot_approve(eligible, users, clock):
    procedure = propose(eligible, users, clock, actor="town")  # the town proposed from its 拟脱贫名单
    procedure = walk_to(procedure, "town_approval", users, clock)
    with pytest.raises(services.Refused, match="不能审批"):
        services.act(
            actor=users["town"],
            procedure=procedure,
            step="town_approval",
            data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
        )
    procedure.refresh_from_db()
    assert procedure.current_step.code == "town_approval"


def test_another_villages_cadre_cannot_act(eligible, users, clock):
    procedure = propose(eligible, users, clock)
    with pytest.raises(services.Refused, match="不在您的辖区"):
        services.act(
            actor=users["cadre_b"],
            procedure=procedure,
            step="village_review",
            data={**STEP_DATA["village_review"], "date": clock().isoformat()},
        )
    with pytest.raises(services.Refused, match="须由镇扶贫办办理"):
        walk = walk_to(procedure, "town_approval", users, clock)
        services.act(
            actor=users["cadre"],
            procedure=walk,
            step="town_approval",
            data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
        )


def test_a_notice_shorter_than_seven_days_is_refused(eligible, users, clock):
    procedure = walk_to(propose(eligible, users, clock), "notice", users, clock)
    start = clock()
    with pytest.raises(services.Refused, match="公示期不能少于 7 天"):
        services.act(
            actor=users["cadre"],
            procedure=procedure,
            step="notice",
            data={
                "start_date": start.isoformat(),
                "end_date": (start + dt.timedelta(days=6)).isoformat(),
                "office": "村委会",
            },
        )
    assert not procedure.steps.filter(code="notice").exists()


def _post_notice(procedure, users, clock, days=7):
    start = clock()
    services.act(
        actor=users["cadre"],
        procedure=procedure,
        step="notice",
        data={
            "start_date": start.isoformat(),
            "end_date": (start + dt.timedelta(days=days)).isoformat(),
            "office": "昌黎村村民委员会",
        },
    )
    return Procedure.objects.get(pk=procedure.pk)


def test_no_step_before_the_notice_has_ended(eligible, users, clock):
    procedure = _post_notice(walk_to(propose(eligible, users, clock), "notice", users, clock), users, clock)
    clock.advance(7)  # the last day of the notice
    with pytest.raises(services.Refused, match="期满后才能办理下一步"):
        services.act(
            actor=users["town"],
            procedure=procedure,
            step="town_approval",
            data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
        )
    clock.advance(1)
    services.act(
        actor=users["town"],
        procedure=procedure,
        step="town_approval",
        data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
    )


def test_an_open_objection_blocks_the_next_step_until_resolved(eligible, users, clock):
    procedure = _post_notice(walk_to(propose(eligible, users, clock), "notice", users, clock), users, clock)
    objection = services.record_objection(
        actor=users["cadre"],
        procedure=procedure,
        text="村民反映该户有未申报的收入。",
        received=clock() + dt.timedelta(days=0),
    )
    clock.advance(8)
    with pytest.raises(services.Refused, match="有未处理的异议"):
        services.act(
            actor=users["town"],
            procedure=procedure,
            step="town_approval",
            data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
        )
    with pytest.raises(services.Refused, match="请填写核查结论"):
        services.resolve_objection(actor=users["town"], objection=objection, finding="", upheld=False)
    services.resolve_objection(
        actor=users["town"], objection=objection, finding="经核实，收入已如实申报。", upheld=False
    )
    services.act(
        actor=users["town"],
        procedure=procedure,
        step="town_approval",
        data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
    )
    assert AuditEvent.objects.filter(action="procedures.objection_resolved").exists()


def test_an_upheld_objection_ends_the_procedure(eligible, users, clock):
    procedure = _post_notice(walk_to(propose(eligible, users, clock), "notice", users, clock), users, clock)
    objection = services.record_objection(
        actor=users["cadre"], procedure=procedure, text="有隐瞒收入", received=clock()
    )
    services.resolve_objection(actor=users["town"], objection=objection, finding="属实", upheld=True)
    procedure.refresh_from_db()
    eligible.refresh_from_db()
    assert procedure.state == "refused" and eligible.status == "registered"


def test_a_recorded_step_is_frozen(eligible, users, clock):
    procedure = propose(eligible, users, clock)
    step = procedure.steps.get()
    with pytest.raises(services.Refused, match="已冻结"):
        services.amend_step(actor=users["cadre"], step=step, data={"note": "改"})
    step.data = {"date": "2016-01-01"}
    with pytest.raises(services.Refused, match="已冻结"):
        services.save_step(step)
    assert Step.objects.get(pk=step.pk).data["note"] == "收入稳定"


def test_a_household_that_is_not_registered_cannot_exit(eligible, users, clock):
    from fupin.registry.services import change_status

    change_status(
        actor=users["admin"],
        household=eligible,
        to_status="exited",
        year=2016,
        reason="x",
        expected_version=eligible.version,
    )
    with pytest.raises(services.Refused, match="当前状态为“已脱贫”，不能办理“脱贫退出”"):
        propose(Household.objects.get(pk=eligible.pk), users, clock)


def test_an_exit_cannot_be_back_dated(eligible, users, clock):
    with pytest.raises(services.Refused, match="不能倒签：该户 2016 年才识别"):
        propose(eligible, users, clock, year=2010)
    with pytest.raises(services.Refused, match="年度不能晚于今年"):
        propose(eligible, users, clock, year=2017)
    assert not Procedure.objects.exists()


def test_a_closed_year_takes_no_exit(eligible, users, clock):
    from fupin.policy.services import create_snapshot

    create_snapshot(actor=users["admin"], year=2016, kind="year_close", lock=True)
    with pytest.raises(services.Refused, match="2016 年的动态调整已经关账"):
        propose(eligible, users, clock)


def test_two_approvals_at_once_one_wins_the_other_is_told(eligible, users, clock, django_user_model):
    other_town = django_user_model.objects.create_user(
        username="town2", password="x", role="town_office", area_id="441882101"
    )
    procedure = walk_to(propose(eligible, users, clock), "town_approval", users, clock)
    seen_by_a = Procedure.objects.get(pk=procedure.pk)
    seen_by_b = Procedure.objects.get(pk=procedure.pk)
    services.act(
        actor=users["town"],
        procedure=seen_by_a,
        step="town_approval",
        data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
    )
    with pytest.raises(services.Refused, match="“镇审核”已由 town 办理") as refused:
        services.act(
            actor=other_town,
            procedure=seen_by_b,
            step="town_approval",
            data={**STEP_DATA["town_approval"], "date": clock().isoformat()},
        )
    assert refused.value.code == "already_done"
    assert procedure.steps.filter(code="town_approval").count() == 1


def test_a_household_the_engine_rejects_needs_a_written_reason(not_eligible, users, clock):
    with pytest.raises(services.Refused, match="须填写书面理由"):
        propose(not_eligible, users, clock)
    procedure = propose(not_eligible, users, clock, reason="该户务工收入未入账，村委会已核实。")
    assert procedure.verdict["ok"] is False and "income" in procedure.verdict["unmet"]


def test_acceptance_needs_the_signed_sheet_or_a_refusal(eligible, users, clock):
    procedure = walk_to(propose(eligible, users, clock), "acceptance", users, clock)
    with pytest.raises(services.Refused, match="须上传签字的验收表"):
        services.act(
            actor=users["cadre"],
            procedure=procedure,
            step="acceptance",
            data={"date": clock().isoformat(), "accepted": "1"},
        )
    with pytest.raises(services.Refused, match="须记录其理由"):
        services.act(
            actor=users["cadre"],
            procedure=procedure,
            step="acceptance",
            data={"date": clock().isoformat(), "accepted": "0"},
        )
    services.act(
        actor=users["cadre"],
        procedure=procedure,
        step="acceptance",
        data={"date": clock().isoformat(), "accepted": "0", "refusal": "认为收入不稳定"},
    )
    procedure.refresh_from_db()
    assert procedure.state == "refused"
    assert sheet().size > 0
