"""Shared fixtures: a small area tree (two villages of 星子镇 and one of another town), one user per
role, and a factory for valid households."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from stdnum.cn import ric

from fupin.areas.base import load_base_areas
from fupin.areas.models import Area
from fupin.core.roles import Role

PASSWORD = "Fupin-test-2016"
TOWN = "441882101"
VILLAGE_A = "441882101201"
VILLAGE_B = "441882101202"
OTHER_TOWN_VILLAGE = "441882102201"

_serial = itertools.count(1)


def make_id_number(area: str = "441882", male: bool = True, born: dt.date | None = None) -> str:
    """A valid ID number, unique within the test session (each call takes the next birth date)."""
    birth = born or dt.date(1950, 1, 1) + dt.timedelta(days=next(_serial))
    base = f"{area}{birth:%Y%m%d}{'011' if male else '012'}"
    return base + ric.calc_check_digit(base + "0")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Argon2 is the production hasher; tests only need passwords that check, not ones that resist cracking.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def jobs_run_in_process(settings):
    # Background jobs (fupin.core.jobs) run at once, inside the request that queues them; the tests of
    # the queue and the worker themselves (tests/core/test_jobs.py) put the database backend back.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def snapshot_dir(settings, tmp_path_factory):
    # Registry snapshots (fupin.policy.services.create_snapshot, loaddemo's baseline) go to a temporary folder.
    settings.FUPIN_SNAPSHOT_DIR = tmp_path_factory.mktemp("snapshots")
    return settings.FUPIN_SNAPSHOT_DIR


@pytest.fixture
def areas(db):
    # A transactional test (the browser's live server) empties every table, migration data included.
    if not Area.objects.filter(code=TOWN).exists():
        load_base_areas(Area)
    town = Area.objects.get(code=TOWN)
    a = Area.objects.create(code=VILLAGE_A, name="昌黎村", level="village", parent=town)
    b = Area.objects.create(code=VILLAGE_B, name="四方村", level="village", parent=town)
    other = Area.objects.create(
        code=OTHER_TOWN_VILLAGE, name="大路边村", level="village", parent=Area.objects.get(code="441882102")
    )
    return {"town": town, "a": a, "b": b, "other": other}


@pytest.fixture
def users(areas, django_user_model):
    """One user per role; village roles work in village A, town roles in 星子镇, upper level in 连州市."""
    spec = {
        "admin": (Role.ADMIN, None),
        "town": (Role.TOWN_OFFICE, TOWN),
        "cadre": (Role.VILLAGE_CADRE, VILLAGE_A),
        "cadre_b": (Role.VILLAGE_CADRE, VILLAGE_B),
        "helper": (Role.HELPER, VILLAGE_A),
        "leader": (Role.LEADER, TOWN),
        "civil": (Role.CIVIL_AFFAIRS, TOWN),
        "auditor": (Role.AUDITOR, TOWN),
        "evaluator": (Role.EVALUATOR, TOWN),
        "upper": (Role.UPPER_LEVEL, "441882"),
        "noarea": (Role.TOWN_OFFICE, None),
    }
    result = {}
    for name, (role, area) in spec.items():
        result[name] = django_user_model.objects.create_user(
            username=name, password=PASSWORD, role=role, area_id=area, is_staff=role == Role.ADMIN
        )
    return result


def member_data(relation: str = "head", **overrides) -> dict:
    data = {
        "name": "张三",
        "id_number": make_id_number(),
        "relation": relation,
        "ethnicity": "汉族",
        "education": "初中",
        "school_status": "非在校生",
        "health": "健康",
        "labour": "普通劳动力",
        "migrant_work": "",
        "work_months": "",
        "medical_insurance": "是",
        "pension_insurance": "是",
        "dibao": "否",
        "tekun": "否",
    }
    data.update(overrides)
    return data


def household_data(village: str = VILLAGE_A, **overrides) -> dict:
    data = {
        "household_no": f"H{next(_serial):06d}",
        "village": village,
        "group": "一组",
        "attribute": "一般贫困户",
        "main_cause": "因病",
        "other_causes": "缺资金",
        "identified_year": "2016",
        "housing_safe": "是",
        "water_safe": "是",
        "phone": "13800138000",
        "bank_name": "连州农商银行",
        "bank_account": "6228480000000001",
    }
    data.update(overrides)
    return data


def income_data(year: int = 2016, **overrides) -> dict:
    data = {
        "year": str(year),
        "wages": "6000",
        "business_income": "3000",
        "business_cost": "1000",
        "property_income": "0",
        "transfer_income": "2000",
        "transfer_cost": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_household(users):
    """Create a valid household through the service layer; returns the Household."""
    from fupin.registry import services

    def factory(village: str = VILLAGE_A, members: int = 2, incomes=(2016,), actor=None, **overrides):
        people = [member_data("head")] + [member_data("spouse", name=f"成员{i}") for i in range(1, members)]
        return services.create_household(
            actor=actor or users["admin"],
            household=household_data(village, **overrides),
            members=people,
            incomes=[income_data(y) for y in incomes],
        )

    return factory


@pytest.fixture
def money():
    return Decimal
