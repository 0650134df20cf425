"""A policy that cannot be evaluated fails at load with a clear message — never "everyone matches"."""

from __future__ import annotations

import tomllib
from decimal import Decimal

import pytest

from fupin.policy import definition
from fupin.policy.definition import PolicyError

SHIPPED = definition.POLICY_DIR / "guangdong-2016.toml"
NOTICE = definition.POLICY_DIR / "guangdong-2016-notice.toml"


def shipped(path=SHIPPED) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["guangdong-2016", "guangdong-2016-notice"])
def test_shipped_policies_load_with_a_status_and_source_for_every_number(name):
    policy = definition.load(name)
    assert policy.effective_from.year == 2016 and policy.effective_to.year == 2018
    for number in [
        *policy.numbers.values(),
        *policy.price_index.values(),
        *policy.provincial_income.values(),
        *policy.exit_standard.values(),
        *policy.notes.values(),
    ]:
        assert number.status in ("V", "V2", "N", "U") and number.source


def test_shipped_policy_numbers():
    policy = definition.load("guangdong-2016")
    assert policy.provincial_income[2016].value == Decimal("14512.20")
    assert policy.provincial_income[2016].status == "V"
    assert policy.provincial_income[2017].status == "U"
    assert policy.numbers["poverty_line"].status == "V"
    assert policy.numbers["household_exit_ratio"].status == "N"


def test_policy_for_a_year():
    assert definition.for_year(2017).name == "guangdong-2016"
    with pytest.raises(PolicyError, match="2030"):
        definition.for_year(2030)


def test_unknown_policy_name():
    with pytest.raises(PolicyError, match="no-such"):
        definition.load("no-such")


def test_unknown_condition_fails_to_load():
    data = shipped()
    data["rules"]["exit_eligible"]["all"].append("owns_a_tractor")
    with pytest.raises(PolicyError, match="未知条件 'owns_a_tractor'"):
        definition.parse(data)


def test_misspelt_composition_fails_to_load():
    data = shipped()
    data["rules"]["exit_eligible"] = {"every": ["housing"]}
    with pytest.raises(PolicyError, match="all / any / not"):
        definition.parse(data)


def test_village_condition_in_a_household_rule_fails_to_load():
    data = shipped()
    data["rules"]["below_line"] = {"not": "village_income_exit"}
    with pytest.raises(PolicyError, match="village_income_exit"):
        definition.parse(data)


def test_missing_rule_fails_to_load():
    data = shipped()
    del data["rules"]["below_line"]
    with pytest.raises(PolicyError, match="below_line"):
        definition.parse(data)


@pytest.mark.parametrize(("path", "name"), [(SHIPPED, "pension_age"), (NOTICE, "household_exit_ratio")])
def test_missing_number_fails_to_load(path, name):
    data = shipped(path)
    del data["numbers"][name]
    with pytest.raises(PolicyError, match=name):
        definition.parse(data)


def test_missing_yearly_exit_standard_fails_to_load():
    data = shipped()
    del data["series"]["household_exit_standard"]["years"]["2017"]
    with pytest.raises(PolicyError, match="2017"):
        definition.parse(data)


@pytest.mark.parametrize(
    ("section", "key", "match"),
    [
        ("lines", "price_indexed", "price_indexed"),
        ("exit_income", "method", "method"),
        ("policy", "reading", "reading"),
    ],
)
def test_a_reading_must_say_what_it_is(section, key, match):
    data = shipped()
    del data[section][key]
    with pytest.raises(PolicyError, match=match):
        definition.parse(data)


def test_number_without_source_fails_to_load():
    data = shipped()
    del data["numbers"]["poverty_line"]["source"]
    with pytest.raises(PolicyError, match="poverty_line: 缺少 source"):
        definition.parse(data)


def test_number_with_an_unknown_status_fails_to_load():
    data = shipped()
    data["numbers"]["poverty_line"]["status"] = "maybe"
    with pytest.raises(PolicyError, match="状态"):
        definition.parse(data)


def test_float_number_fails_to_load():
    data = shipped()
    data["numbers"]["poverty_line"]["value"] = 4000.0
    with pytest.raises(PolicyError, match="浮点"):
        definition.parse(data)


def test_missing_provincial_income_for_an_effective_year_fails_to_load():
    data = shipped()
    del data["series"]["provincial_rural_income"]["years"]["2017"]
    with pytest.raises(PolicyError, match="2017"):
        definition.parse(data)


def test_missing_price_index_for_an_effective_year_fails_to_load():
    data = shipped(NOTICE)
    del data["series"]["rural_price_index"]["years"]["2018"]
    with pytest.raises(PolicyError, match="2018"):
        definition.parse(data)


def test_target_shares_must_add_up_to_one():
    data = shipped()
    data["targets"]["shares"]["2018"] = "0.30"
    with pytest.raises(PolicyError, match="之和"):
        definition.parse(data)


def test_ratio_out_of_range_fails_to_load():
    data = shipped(NOTICE)
    data["numbers"]["household_exit_ratio"]["value"] = "45"
    with pytest.raises(PolicyError, match="比例"):
        definition.parse(data)


def test_what_if_changes_only_adjustable_numbers():
    policy = definition.load("guangdong-2016")
    changed = policy.with_overrides({"poverty_line": Decimal("4500")})
    assert changed.thresholds(2014).poverty_line == Decimal("4500.00")
    assert policy.thresholds(2014).poverty_line == Decimal("4000.00")
    with pytest.raises(PolicyError, match="compulsory_school_min_age"):
        policy.with_overrides({"compulsory_school_min_age": Decimal(7)})


def test_what_if_changes_the_exit_number_the_reading_uses():
    platform, notice = definition.load("guangdong-2016"), definition.load("guangdong-2016-notice")
    changed = platform.with_overrides({"household_exit_standard": Decimal("7000.00")})
    assert changed.thresholds(2017).household_exit_threshold == Decimal("7000.00")
    assert platform.thresholds(2017).household_exit_threshold == Decimal("6883.00")
    with pytest.raises(PolicyError, match="household_exit_ratio"):
        platform.with_overrides({"household_exit_ratio": Decimal("0.4")})
    with pytest.raises(PolicyError, match="household_exit_standard"):
        notice.with_overrides({"household_exit_standard": Decimal("7000.00")})


def test_policy_codes_exist_in_the_code_lists():
    from fupin.core import codes

    for name in definition.available():
        policy = definition.load(name)
        assert set(policy.in_school) <= set(codes.SCHOOL_STATUS.codes)
        assert set(policy.labour_capable) == set(codes.LABOUR_CAPABLE)
