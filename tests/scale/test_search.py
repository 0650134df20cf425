"""Searching the household list: ID number (whole or last 4–6 characters), household number, name."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.registry import search
from fupin.registry.models import Member
from fupin.registry.selectors import household_list
from tests.conftest import OTHER_TOWN_VILLAGE, VILLAGE_A, VILLAGE_B


def found(user, text, **filters) -> set[str]:
    return set(household_list(user=user, search=text, **filters).values_list("household_no", flat=True))


@pytest.fixture
def registry(make_household):
    return [make_household(v, members=3) for v in (VILLAGE_A, VILLAGE_A, VILLAGE_B, OTHER_TOWN_VILLAGE)]


@pytest.mark.django_db
@pytest.mark.parametrize("length", [4, 5, 6])
def test_suffix_search_finds_exactly_the_ids_ending_so_within_scope(users, registry, length):
    user = users["town"]
    members = list(Member.objects.filter(left_on__isnull=True).select_related("household"))
    for member in members:
        suffix = member.id_number[-length:]
        expected = {
            m.household.household_no
            for m in members
            if m.id_number.endswith(suffix) and m.household.village_id.startswith(user.area_id)
        } | {m.household.household_no for m in members if m.household.household_no == suffix}
        assert found(user, suffix) == expected, suffix


@pytest.mark.django_db
def test_suffix_search_matches_the_end_not_digits_inside(users, make_household):
    a = make_household(VILLAGE_A)
    b = make_household(VILLAGE_B)
    Member.objects.filter(household=a, relation="head").update(id_number="441882196001019876")
    # b's head has 9876 inside the number, not at its end.
    Member.objects.filter(household=b, relation="head").update(id_number="441882198769010012")
    assert found(users["town"], "9876") == {a.household_no}
    assert found(users["town"], "19876") == {a.household_no}
    assert found(users["town"], "0012") == {b.household_no}
    assert found(users["town"], "0019876") == set()  # 7 digits: neither a suffix nor a household number


@pytest.mark.django_db
def test_suffix_and_full_id_search_are_only_for_roles_that_may_unmask(users, make_household):
    household = make_household(VILLAGE_A)
    head = household.members.get(relation="head")
    assert found(users["town"], head.id_number) == {household.household_no}
    assert found(users["town"], head.id_number[-4:]) == {household.household_no}
    assert not users["leader"].may_unmask
    assert found(users["leader"], head.id_number[-4:]) == set()


@pytest.mark.django_db
def test_household_number_and_name_prefix(users, make_household):
    a = make_household(VILLAGE_A)
    b = make_household(VILLAGE_B)
    Member.objects.filter(household=b, relation="head").update(name="欧阳修")
    assert found(users["town"], a.household_no) == {a.household_no}
    assert found(users["town"], "欧阳") == {b.household_no}
    assert found(users["town"], "欧阳修") == {b.household_no}
    assert a.household_no in found(users["town"], "张")
    assert found(users["town"], "阳修") == set()  # two characters inside a name: no prefix of any


@pytest.mark.django_db
def test_search_combines_with_the_scope_and_filters(users, make_household):
    a = make_household(VILLAGE_A)
    other = make_household(OTHER_TOWN_VILLAGE)
    assert other.household_no not in found(users["town"], "张")
    assert found(users["cadre"], other.household_no) == set()
    assert found(users["town"], "张", village=VILLAGE_B) == set()
    assert a.household_no in found(users["town"], "张", village=VILLAGE_A)


@pytest.mark.django_db
def test_a_member_who_left_is_not_found(users, make_household):
    a = make_household(VILLAGE_A, members=2)
    spouse = a.members.get(relation="spouse")
    Member.objects.filter(pk=spouse.pk).update(left_on="2018-01-01", name="离开者")
    assert found(users["town"], "离开者") == set()
    assert found(users["town"], spouse.id_number[-6:]) == set()


@pytest.mark.django_db
def test_search_plans_use_indexes(users, make_household):
    make_household(VILLAGE_A)
    with CaptureQueriesContext(connection) as queries:
        search.matching_households("123456", may_search_id=True)
        search.matching_households("张三", may_search_id=True)
    statements = [q["sql"] for q in queries.captured_queries]
    assert statements and all(" OR " not in s.upper() for s in statements)
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SCAN registry_member" not in plan and "SCAN registry_household" not in plan, (sql, plan)
    suffix_plan = [s for s in statements if "substr" in s]
    assert suffix_plan
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + suffix_plan[0])
        assert "member_id_tail" in " ".join(str(row[-1]) for row in cursor.fetchall())


def test_the_index_and_the_query_spell_the_tail_identically():
    import importlib

    migration = importlib.import_module("fupin.registry.migrations.0003_scale_search")
    assert migration.TAIL_SQL == search.TAIL_SQL
