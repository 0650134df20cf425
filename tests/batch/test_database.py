"""The bulk path on the real database: ADBC read → DuckDB → ADBC write-back, against the explanation
read through the ORM, on random registries (SQLite and PostgreSQL, whichever DATABASE_URL selects)."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fupin.areas.models import VillageYear
from fupin.batch import engine
from fupin.batch.sources import read_adbc, read_django
from fupin.batch.writeback import save_assessments
from fupin.policy import definition
from fupin.policy.engine import explain
from fupin.policy.selectors import household_facts
from fupin.registry.models import Household, Income, Member

from ..conftest import VILLAGE_A, VILLAGE_B

POLICY = definition.load("guangdong-2016")
serial = itertools.count(1)

member_rows = st.fixed_dictionaries(
    {
        "labour": st.sampled_from(["ordinary", "skilled", "lost", "none"]),
        "school_status": st.sampled_from(["none", "preschool", "primary", "junior", "senior"]),
        "birth_date": st.dates(dt.date(1930, 1, 1), dt.date(2016, 12, 31)),
        "medical_insurance": st.booleans(),
        "dibao": st.booleans(),
        "tekun": st.one_of(st.none(), st.booleans()),
        "left": st.booleans(),
    }
)
money = st.one_of(st.integers(0, 3_000_000), st.sampled_from([415320, 415319, 653049, 653048, 1306098])).map(
    lambda c: Decimal(c).scaleb(-2)
)
household_rows = st.fixed_dictionaries(
    {
        "village": st.sampled_from([VILLAGE_A, VILLAGE_B]),
        "housing_safe": st.booleans(),
        "water_safe": st.booleans(),
        "status": st.sampled_from(["registered", "exited", "removed"]),
        "members": st.lists(member_rows, max_size=5),
        "income": st.one_of(st.none(), st.tuples(money, money, money)),
    }
)


def build(rows: list[dict]) -> list[Household]:
    """Write a random registry straight to the tables (bulk, like an import would)."""
    households = Household.objects.bulk_create(
        Household(
            household_no=f"R{next(serial):07d}",
            village_id=row["village"],
            attribute="general",
            main_cause="illness",
            identified_year=2016,
            housing_safe=row["housing_safe"],
            water_safe=row["water_safe"],
            status=row["status"],
        )
        for row in rows
    )
    members, incomes = [], []
    for household, row in zip(households, rows, strict=True):
        for m in row["members"]:
            members.append(
                Member(
                    household=household,
                    name="某",
                    id_number=f"X{next(serial):017d}",
                    sex="M",
                    birth_date=m["birth_date"],
                    relation="other",
                    school_status=m["school_status"],
                    health="healthy",
                    labour=m["labour"],
                    medical_insurance=m["medical_insurance"],
                    dibao=m["dibao"],
                    tekun=m["tekun"],
                    left_on=dt.date(2016, 5, 1) if m["left"] else None,
                )
            )
        if row["income"]:
            wages, business, cost = row["income"]
            incomes.append(
                Income(
                    household=household,
                    year=2016,
                    wages=wages,
                    business_income=business,
                    business_cost=cost,
                    property_income=Decimal("0.10"),
                    transfer_income=Decimal("0.00"),
                )
            )
    Member.objects.bulk_create(members)
    Income.objects.bulk_create(incomes)
    return households


def clear() -> None:
    with connection.cursor() as cursor:
        for table in ("policy_assessment", "registry_income", "registry_member", "registry_household"):
            cursor.execute(f"DELETE FROM {table}")


def adbc_settings(tmp_path) -> dict:
    """ADBC opens its own connection; an in-memory SQLite test database is copied to a file first."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        path = tmp_path / f"copy{next(serial)}.sqlite3"
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        settings_dict["NAME"] = str(path)
    return settings_dict


def expected(households: list[Household]) -> dict[str, tuple]:
    result = {}
    for household in (
        Household.objects.filter(pk__in=[h.pk for h in households])
        .exclude(status="removed")
        .prefetch_related("members", "incomes")
    ):
        facts = household_facts(household, 2016)
        if facts.disposable is None:
            continue
        e = explain(POLICY, facts, 2016)
        result[household.household_no] = (
            e.members,
            e.per_capita,
            e.below_line.verdict,
            e.exit_eligible.verdict,
            ";".join(e.unmet),
        )
    return result


def bulk(tables) -> dict[str, tuple]:
    con = engine.connect()
    engine.register(con, tables, 2016)
    engine.evaluate(con, POLICY, 2016)
    table = engine.display(con)
    return {
        r["household_no"]: (
            r["members"],
            None if r["pc_cents"] is None else Decimal(r["pc_cents"]).scaleb(-2),
            r["below_line"],
            r["exit_eligible"],
            r["unmet"],
        )
        for r in table.to_pylist()
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_adbc_bulk_equals_orm_explain_on_random_registries(areas, tmp_path):
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=st.lists(household_rows, min_size=1, max_size=12))
    def check(rows):
        try:
            households = build(rows)
            want = expected(households)
            assert bulk(read_adbc(adbc_settings(tmp_path), 2016)) == want
            assert bulk(read_django(connection, 2016)) == want
        finally:
            clear()

    check()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_results_are_written_back_in_bulk(areas, tmp_path):
    VillageYear.objects.create(
        village_id=VILLAGE_A, year=2016, registered_population=10, per_capita_income=Decimal("100.50")
    )
    try:
        rows = [
            {
                "village": VILLAGE_A,
                "housing_safe": True,
                "water_safe": False,
                "status": "registered",
                "members": [
                    {
                        "labour": "ordinary",
                        "school_status": "none",
                        "birth_date": dt.date(1980, 1, 1),
                        "medical_insurance": True,
                        "dibao": False,
                        "tekun": None,
                        "left": False,
                    }
                ]
                * 3,
                "income": (Decimal("10000.00"), Decimal("0.01"), Decimal("0.00")),
            },
        ]
        (household,) = build(rows)
        settings_dict = adbc_settings(tmp_path)
        tables = read_adbc(settings_dict, 2016)
        con = engine.connect()
        engine.register(con, tables, 2016)
        villages = {v["village_code"]: v for v in con.sql("SELECT * FROM vil").to_arrow_table().to_pylist()}
        assert (villages[VILLAGE_A]["pc_cents"], villages[VILLAGE_A]["registered_population"]) == (10050, 10)
        assert villages[VILLAGE_B]["pc_cents"] is None
        engine.evaluate(con, POLICY, 2016)
        results = engine.display(con)
        assert save_assessments(settings_dict, POLICY.name, 2016, results) == 1
        assert save_assessments(settings_dict, POLICY.name, 2016, results) == 1  # replaces, no duplicates
        if connection.vendor == "sqlite":
            copy = sqlite3.connect(settings_dict["NAME"])
            stored = copy.execute(
                "SELECT household_id, members, per_capita_income, below_line, exit_eligible, unmet FROM policy_assessment"
            ).fetchall()
            assert stored == [(household.pk, 3, 3333.37, 1, 0, "income;water")]
        else:
            from fupin.policy.models import Assessment

            (stored,) = Assessment.objects.all()
            assert (
                stored.household_id,
                stored.members,
                stored.per_capita_income,
                stored.below_line,
                stored.exit_eligible,
                stored.unmet,
            ) == (household.pk, 3, Decimal("3333.37"), True, False, "income;water")
    finally:
        clear()
