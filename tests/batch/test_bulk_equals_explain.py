"""Property: on random registries the bulk engine and the explanation agree on every household."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.batch import engine as bulk
from fupin.batch.facts import to_tables
from fupin.policy import definition
from fupin.policy.conditions import HouseholdFacts, MemberFacts, VillageFacts
from fupin.policy.engine import explain, explain_village

# Both readings: the platform's (ages over 6 to 15 on 31 August, flat line, yearly standard) and the
# notice's (6 to 15 on 1 September, indexed line, 45 % of the provincial income).
POLICIES = [definition.load("guangdong-2016"), definition.load("guangdong-2016-notice")]
VILLAGES = ("441882101201", "441882101202", "441882101203")

members = st.builds(
    MemberFacts,
    labour=st.sampled_from(["ordinary", "skilled", "lost", "none"]),
    school_status=st.sampled_from(["none", "preschool", "primary", "junior", "senior", "college"]),
    # Birthdays on and around the reference days (31 August, 1 September) and 29 February.
    birth_date=st.one_of(
        st.dates(dt.date(1930, 1, 1), dt.date(2018, 12, 31)),
        st.tuples(st.integers(1996, 2013), st.sampled_from([(8, 30), (8, 31), (9, 1), (9, 2)])).map(
            lambda y_md: dt.date(y_md[0], *y_md[1])
        ),
        st.sampled_from([dt.date(2000, 2, 29), dt.date(2008, 2, 29), dt.date(2004, 2, 29)]),
    ),
    medical_insurance=st.booleans(),
    dibao=st.booleans(),
    tekun=st.booleans(),
)
# Amounts near the thresholds are where rounding differences would show.
amounts = st.one_of(
    st.integers(-100_000, 10_000_000),
    st.sampled_from(
        [415320, 415319, 830639, 830638, 653049, 653048, 1306098, 1959147, 2130260, 688300, 688299, 1376599]
    ),
).map(lambda c: Decimal(c).scaleb(-2))


@st.composite
def registries(draw):
    count = draw(st.integers(1, 25))
    households = []
    for i in range(count):
        households.append(
            HouseholdFacts(
                household_id=i + 1,
                household_no=f"H{i + 1:04d}",
                village_code=draw(st.sampled_from(VILLAGES)),
                housing_safe=draw(st.booleans()),
                water_safe=draw(st.booleans()),
                members=tuple(draw(st.lists(members, min_size=0, max_size=6))),
                disposable=draw(st.one_of(st.none(), amounts)),
            )
        )
    return households


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    households=registries(),
    year=st.sampled_from([2014, 2015, 2016, 2017, 2018]),
    village_income=st.one_of(st.none(), amounts),
    policy=st.sampled_from(POLICIES),
)
def test_bulk_equals_explain_on_every_household_and_village(households, year, village_income, policy):
    con = bulk.connect()
    villages = [VillageFacts(code, code, 40, village_income, 0) for code in VILLAGES]
    bulk.register(con, to_tables(households, villages, year=year), year)
    bulk.evaluate(con, policy, year)
    rows = {r["household_id"]: r for r in bulk.display(con).to_pylist()}
    assessed = [h for h in households if h.disposable is not None]
    assert set(rows) == {h.household_id for h in assessed}
    poor: dict[str, int] = {}
    for facts in assessed:
        explanation = explain(policy, facts, year)
        row = rows[facts.household_id]
        pc = None if row["pc_cents"] is None else Decimal(row["pc_cents"]).scaleb(-2)
        assert (row["members"], pc) == (explanation.members, explanation.per_capita)
        assert row["below_line"] == explanation.below_line.verdict
        exit_verdict = None if explanation.exit_eligible is None else explanation.exit_eligible.verdict
        assert row["exit_eligible"] == exit_verdict
        assert row["unmet"] == ";".join(explanation.unmet)
        if explanation.below_line.verdict:
            poor[facts.village_code] = poor.get(facts.village_code, 0) + explanation.members
    for row in bulk.evaluate_villages(con, policy, year).to_pylist():
        facts = VillageFacts(
            row["village_code"], row["name"], 40, village_income, poor.get(row["village_code"], 0)
        )
        explanation = explain_village(policy, facts, year)
        assert row["poor_persons"] == facts.poor_persons
        assert row["relatively_poor"] == explanation.relatively_poor.verdict
        village_exit = None if explanation.exit_eligible is None else explanation.exit_eligible.verdict
        assert row["exit_eligible"] == village_exit
