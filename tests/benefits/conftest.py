"""Benefit fixtures: a town-office actor and households whose 一卡通 account passes its check digit."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from stdnum import luhn

from ..conftest import make_id_number, member_data

_accounts = itertools.count(1)


def good_account() -> str:
    body = f"622848{next(_accounts):012d}"
    return body + luhn.calc_check_digit(body)


@pytest.fixture
def household(make_household):
    """A household of village A with a head and a pupil (小学), account valid."""
    return make_household(bank_account=good_account())


@pytest.fixture
def pupil_household(users):
    from fupin.registry import services

    from ..conftest import household_data, income_data

    return services.create_household(
        actor=users["admin"],
        household=household_data(bank_account=good_account()),
        members=[
            member_data("head"),
            member_data(
                "son", name="小明", school_status="小学", id_number=make_id_number(born=dt.date(2008, 3, 1))
            ),
        ],
        incomes=[income_data(2016)],
    )


def person_born(household, born: dt.date, name: str = "借款人"):
    """Add a member born on `born` to `household` (through the registry service)."""
    from fupin.core.models import User
    from fupin.registry import services

    data = member_data("son", name=name, id_number=make_id_number(born=born))
    return services.add_member(actor=User.objects.get(username="admin"), household=household, data=data)
