"""The demo town generator: deterministic, exact counts, and a story that obeys the policy rules.

The rules are computed here from the generated rows with the programme's numbers (DOMAIN.md P1, P2,
P4–P6), independently of the policy engine.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from fupin.batch import demo_town as d
from fupin.core.roles import Role
from fupin.registry import idnumber
from fupin.registry.validation import clean_household, clean_income, clean_member

THRESHOLD = {2016: Decimal("6530.49"), 2017: Decimal("7100.87"), 2018: Decimal("7725.47")}
VILLAGE_EXIT = {2016: Decimal("8707.32"), 2017: Decimal("9467.82"), 2018: Decimal("10300.62")}
EXIT_TOLERANCE = Decimal("0.02")  # persons exiting per year within 2 % of the plan
IN_SCHOOL = {"primary", "junior", "senior", "secondary_vocational"}


@pytest.fixture(scope="module")
def town() -> d.DemoTown:
    return d.generate()


def school_ok(household: d.DemoHousehold, year: int) -> bool:
    day = dt.date(year, 9, 1)
    return all(m.school_status in IN_SCHOOL for m in household.members if 6 <= m.age_on(day) <= 15)


def exit_rule(household: d.DemoHousehold, year: int, margin: Decimal = Decimal("1")) -> bool:
    """两不愁三保障, then income (labour-capable) or the safety net (no labour capacity)."""
    guarantees = (
        school_ok(household, year)
        and all(m.medical_insurance for m in household.members)
        and household.housing_safe
        and household.water_safe
    )
    if household.labour_capable:
        return guarantees and household.per_capita(year) >= THRESHOLD[year] * margin
    return guarantees and all(m.dibao or m.tekun for m in household.members)


def test_same_seed_same_town_and_another_seed_another(town):
    assert d.generate() == town
    other = d.generate(d.SEED + 1)
    assert other != town
    assert [m.id_number for m in other.households[0].members] != [
        m.id_number for m in town.households[0].members
    ]


def test_thresholds_are_the_notice_figures():
    assert {year: d.household_threshold(year) for year in d.EXIT_YEARS} == THRESHOLD
    assert {year: d.village_threshold(year) for year in d.EXIT_YEARS} == VILLAGE_EXIT


def test_exact_counts(town):
    assert len(town.households) == 1466
    assert sum(h.size for h in town.households) == 3608
    assert len(town.villages) == 21
    assert len({h.household_no for h in town.households}) == 1466
    codes = {v.code for v in town.villages}
    assert all(len(c) == 12 and c.startswith("441882101") for c in codes)
    assert {h.village for h in town.households} == codes
    names = {v.name for v in town.villages}
    for name in ("昌黎", "四方", "水源", "东红", "赤塘", "马水", "清江", "上庄", "姜联", "周联"):
        assert f"{name}村" in names
    assert {v.code: v.name for v in town.villages}["441882101001"] == "星子社区"
    assert all(3 <= len(v.groups) <= 6 for v in town.villages)


def test_every_id_number_valid_unique_and_consistent(town):
    members = [m for h in town.households for m in h.members]
    assert len({m.id_number for m in members}) == len(members) == 3608
    for m in members:
        facts = idnumber.parse(m.id_number, today=dt.date(2016, 12, 31))
        assert facts.area_code == "441882"
        assert facts.sex == m.sex and facts.birth_date == m.birth_date


def test_every_row_passes_the_registry_validation(town):
    for h in town.households:
        data, problems = clean_household(h.as_form())
        assert problems == [], (h.household_no, problems)
        assert data["household_no"] == h.household_no
        for m in h.members:
            assert clean_member(m.as_form())[1] == [], (h.household_no, m)
        for row in h.income_forms():
            assert clean_income(row)[1] == [], (h.household_no, row)
            assert all(v.as_tuple().exponent == -2 for k, v in row.items() if k != "year")


def test_relations_are_consistent(town):
    for h in town.households:
        heads = [m for m in h.members if m.relation == "head"]
        assert len(heads) == 1, h.household_no
        head = heads[0]
        for m in h.members:
            if m.relation == "spouse":
                assert m.sex != head.sex, h.household_no
            if m.relation in ("son", "daughter", "grandson", "granddaughter", "daughter_in_law"):
                assert m.birth_date > head.birth_date, h.household_no
            if m.relation in ("son", "daughter", "grandson", "granddaughter"):
                assert m.birth_date.year - head.birth_date.year >= 18, h.household_no
            if m.relation in ("father", "mother"):
                assert head.birth_date.year - m.birth_date.year >= 18, h.household_no
            assert {"son": "M", "grandson": "M", "father": "M"}.get(m.relation, m.sex) == m.sex
            assert {"daughter": "F", "granddaughter": "F", "mother": "F"}.get(m.relation, m.sex) == m.sex


def test_members_fit_cause_attribute_and_age(town):
    for h in town.households:
        members = h.members
        if h.main_cause == "disability":
            assert any(m.health == "disabled" for m in members), h.household_no
        if h.main_cause == "illness":
            assert any(m.health in ("chronic", "serious") for m in members), h.household_no
        if h.main_cause == "labour":
            assert not h.labour_capable, h.household_no
        if h.main_cause == "schooling":
            assert any(m.school_status not in ("none", "preschool") for m in members), h.household_no
        assert h.main_cause not in h.other_causes and len(set(h.other_causes)) == len(h.other_causes) <= 2
        if h.attribute == "general":
            assert not any(m.dibao or m.tekun for m in members), h.household_no
        elif h.attribute == "dibao":
            assert all(m.dibao for m in members), h.household_no
        else:
            assert all(m.tekun for m in members), h.household_no
        for m in members:
            if m.age_on(d.SNAPSHOT_DAY) < 16:
                assert not m.labour_capable, (h.household_no, m.name)
            if 6 <= m.age_on(d.SNAPSHOT_DAY) <= 15:
                assert m.school_status in IN_SCHOOL, (h.household_no, m.name)


def test_profile_follows_the_guangdong_mix(town):
    causes = Counter(h.main_cause for h in town.households)
    for cause, share in d.CAUSE_SHARES:
        expected = share * 1466 / 100
        assert abs(causes[cause] - expected) <= 1, cause
    sizes = Counter(h.size for h in town.households)
    assert set(sizes) <= {1, 2, 3, 4, 5, 6}
    assert sizes[1] + sizes[2] > 1466 * 0.45  # many 1–2 person households
    capable = sum(h.labour_capable for h in town.households)
    assert 0.45 * 1466 <= capable <= 0.55 * 1466
    attributes = Counter(h.attribute for h in town.households)
    assert 0.40 * 1466 <= attributes["general"] <= 0.50 * 1466


def test_identification_incomes_are_well_below_the_line(town):
    for h in town.households:
        assert h.identified_year == d.IDENTIFIED_YEAR
        assert set(h.incomes) == set(d.YEARS)
        for year in (2014, d.IDENTIFIED_YEAR):
            assert h.per_capita(year) <= Decimal("3600"), h.household_no
        if h.status != "returned":
            assert h.per_capita(2016) < h.per_capita(2017) < h.per_capita(2018), h.household_no


def test_exits_near_the_plan(town):
    exits = town.exits_by_year()
    for year, plan in d.EXIT_PLAN.items():
        assert abs(exits[year] - plan) <= plan * EXIT_TOLERANCE, (year, exits[year])
    statuses = Counter(h.status for h in town.households)
    assert statuses["exited"] > 1400 and 0 < statuses["returned"] <= 10 and 0 < statuses["registered"] <= 10


def test_every_exit_meets_the_exit_rule_with_a_margin(town):
    for h in town.households:
        if h.exit_year is not None:
            assert exit_rule(h, h.exit_year, margin=Decimal("1.08")), h.household_no


def test_households_not_yet_out_are_clearly_not_eligible(town):
    for h in town.households:
        out_years = set()
        if h.exit_year is not None:
            returned = {e.year for e in h.events if e.to_status == "returned"}
            out_years = {y for y in d.EXIT_YEARS if y >= h.exit_year and not any(r <= y for r in returned)}
        for year in d.EXIT_YEARS:
            if year in out_years:
                continue
            below = h.per_capita(year) <= THRESHOLD[year] * Decimal("0.92")
            assert below or not exit_rule(h, year), (h.household_no, year)


def test_exactly_eleven_relatively_poor_villages_with_clear_margins(town):
    poor_persons = town.poor_persons_by_village()
    for year in (2014, 2015, 2016):
        poor = []
        for v in town.villages:
            population, income = v.years[year]
            share = Decimal(poor_persons[v.code]) / population
            if income < Decimal("8000") and share >= Decimal("0.05"):
                poor.append(v.name)
                assert income <= Decimal("7400") and share >= Decimal("0.06"), v.name
            else:
                assert income >= Decimal("8800") or share <= Decimal("0.04"), v.name
            assert (v.name in poor) == v.poor
        assert len(poor) == 11
        assert {"昌黎村", "四方村", "水源村", "东红村", "赤塘村", "马水村"} <= set(poor)


def test_every_village_is_out_by_2018(town):
    for v in town.villages:
        assert v.years[2018][1] >= VILLAGE_EXIT[2018] * Decimal("1.05"), v.name
        if v.poor:
            assert v.years[2016][1] < VILLAGE_EXIT[2016] and v.years[2017][1] < VILLAGE_EXIT[2017]


def test_one_user_per_role_and_helper_households_in_changli(town):
    assert sorted(u.role for u in town.users) == sorted(r.value for r in Role)
    roles = {u.role: u for u in town.users}
    assert roles["village_cadre"].area == roles["helper"].area == d.CADRE_VILLAGE
    assert roles["upper_level"].area == "441882" and roles["admin"].area is None
    assert len(set(town.helper_households)) == 10
    numbers = {h.household_no: h for h in town.households}
    assert all(numbers[n].village == d.CADRE_VILLAGE for n in town.helper_households)


@pytest.mark.parametrize("seed", [1, 2])
def test_other_seeds_keep_the_figures(seed):
    other = d.generate(seed)
    assert (len(other.households), other.persons, len(other.villages)) == (1466, 3608, 21)
    for year, plan in d.EXIT_PLAN.items():
        assert abs(other.exits_by_year()[year] - plan) <= plan * EXIT_TOLERANCE
    assert all(exit_rule(h, h.exit_year, Decimal("1.08")) for h in other.households if h.exit_year)
