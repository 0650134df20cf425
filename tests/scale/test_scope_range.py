"""The area scope is a range on the code; it must return exactly what "starts with" returns."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from fupin.areas.models import Area
from fupin.core.roles import Role
from fupin.core.scope import code_prefix, in_area, prefix_end, prefix_sql
from fupin.registry.selectors import household_list, households_for

# Codes that share prefixes with one another: town 441882101 and the 10-digit-looking neighbours that
# start with it, a town whose code is a prefix of a village of another town's range, and the ends of the
# digit range.
CODES = [
    "44",
    "4418",
    "441882",
    "4418820",
    "441882101",
    "4418821010",
    "441882101201",
    "441882101299",
    "441882101999",
    "441882102",
    "441882102201",
    "44188210",
    "441883",
    "4419",
    "45",
    "441882101201001",
]


def test_prefix_end_is_the_smallest_string_after_the_prefix_range():
    assert prefix_end("4418") == "4419"
    # Digits only, whatever the database's collation: "4419" ends at "442", not "441:".
    assert prefix_end("4419") == "442" and prefix_end("441899") == "4419"
    assert "44189999999" < prefix_end("4418") <= "4419"
    assert "44199999999" < prefix_end("4419") and not "442".startswith("4419")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "prefix", ["44", "4418", "441882", "441882101", "44188210", "4418821010", "4419", "441882101201"]
)
def test_the_range_returns_exactly_the_codes_starting_with_the_prefix(prefix):
    for code in CODES:
        Area.objects.get_or_create(code=code, defaults={"name": code, "level": "village"})
    every = set(Area.objects.values_list("code", flat=True))
    found = set(Area.objects.filter(code_prefix("code", prefix)).values_list("code", flat=True))
    assert found == {c for c in every if c.startswith(prefix)}
    assert {c for c in CODES if c.startswith(prefix)} <= found
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code FROM areas_area WHERE {prefix_sql('code', prefix)}")
        assert {row[0] for row in cursor.fetchall()} == found


@settings(max_examples=60, deadline=None)
@given(
    codes=st.sets(st.text(alphabet="0123459", min_size=2, max_size=15), min_size=1, max_size=30),
    prefix=st.text(alphabet="0123459", min_size=1, max_size=6),
)
@pytest.mark.django_db
def test_range_equals_startswith_on_random_codes(codes, prefix):
    Area.objects.bulk_create([Area(code=c, name=c, level="village") for c in codes], ignore_conflicts=True)
    every = set(Area.objects.values_list("code", flat=True))
    found = set(Area.objects.filter(code_prefix("code", prefix)).values_list("code", flat=True))
    assert found == {c for c in every if c.startswith(prefix)}


def test_prefix_sql_takes_codes_only():
    with pytest.raises(ValueError):
        prefix_sql("code", "44' OR 1=1 --")


@pytest.mark.django_db
def test_a_town_user_sees_exactly_the_households_of_the_town(users, make_household, django_user_model):
    from tests.conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B

    mine = {make_household(VILLAGE_A).pk, make_household(VILLAGE_B).pk}
    other = make_household(OTHER_TOWN_VILLAGE).pk
    assert set(households_for(user=users["town"]).values_list("pk", flat=True)) == mine
    assert other in set(households_for(user=users["admin"]).values_list("pk", flat=True))
    assert set(household_list(user=users["town"], village=VILLAGE_B).values_list("pk", flat=True)) <= mine
    nobody = django_user_model.objects.create_user(username="nobody", password="x", role=Role.TOWN_OFFICE)
    assert not households_for(user=nobody).exists()


@pytest.mark.django_db
def test_the_scope_is_written_as_a_range_not_like(users):
    with CaptureQueriesContext(connection) as queries:
        list(in_area(Area.objects.all(), users["town"], "code"))
    sql = queries.captured_queries[-1]["sql"]
    assert "LIKE" not in sql.upper() and ">=" in sql and "<" in sql


@pytest.mark.django_db
def test_sqlite_uses_an_index_for_the_scope(users):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM registry_household WHERE "
            + prefix_sql("village_id", "441882101")
        )
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "USING" in plan and "INDEX" in plan, plan
