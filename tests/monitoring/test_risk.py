"""防返贫 risk warnings by the policy's criteria: categories, reasons, identification and elimination dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.management import call_command

from fupin.monitoring import risk
from fupin.monitoring.models import RiskWarning
from fupin.registry import services as registry_services
from fupin.registry.models import Household, Income

TODAY = dt.date(2017, 12, 31)


def set_per_capita(household, per_person: int):
    size = household.members.filter(left_on__isnull=True).count()
    income = Income.objects.get(household=household, year=2016)
    Income.objects.filter(pk=income.pk).update(
        wages=Decimal(per_person * size),
        business_income=0,
        business_cost=0,
        property_income=0,
        transfer_income=0,
        transfer_cost=0,
    )


def test_an_exited_household_below_the_monitoring_line_is_unstable_until_its_income_recovers(people, users):
    wang = people["wang"]
    registry_services.change_status(
        actor=users["admin"],
        household=wang,
        to_status="exited",
        year=2016,
        reason="达标",
        expected_version=wang.version,
    )
    set_per_capita(wang, 5000)  # above the 4,000 line, below the 6,000 monitoring line
    risk.assess(actor=None, today=TODAY)
    warning = RiskWarning.objects.get()
    assert (warning.category, warning.household.household_no) == ("unstable", "H-WANG")
    assert "5000.00元" in warning.reason and "6000.00元" in warning.reason
    assert warning.identified_on == TODAY and warning.eliminated_on is None
    set_per_capita(wang, 9000)
    risk.assess(actor=None, today=TODAY + dt.timedelta(days=30))
    warning.refresh_from_db()
    assert warning.eliminated_on == TODAY + dt.timedelta(days=30)


def test_a_removed_household_near_the_line_is_marginal(people, users):
    li = people["li"]
    Household.objects.filter(pk=li.pk).update(status="removed")
    set_per_capita(li, 4500)
    risk.assess(actor=None, today=TODAY)
    assert list(RiskWarning.objects.values_list("category", "household__household_no")) == [
        ("marginal", "H-LI")
    ]


def test_large_medical_costs_make_a_sudden_hardship_small_ones_do_not(people, users):
    risk.record_event(
        actor=users["cadre"],
        household=people["li"],
        kind="medical",
        occurred_on=dt.date(2017, 5, 1),
        amount=Decimal("8000"),
    )
    call_command("monitoring", "risks")
    assert not RiskWarning.objects.exists()
    risk.record_event(
        actor=users["cadre"],
        household=people["li"],
        kind="medical",
        occurred_on=dt.date(2017, 6, 1),
        amount=Decimal("35000"),
    )
    risk.assess(actor=None, today=TODAY)
    warning = RiskWarning.objects.get()
    assert warning.category == "sudden" and "大额医疗支出35000.00元" in warning.reason


def test_the_loss_of_the_only_labour_force_is_read_from_the_registry(people, users):
    from fupin.registry.models import Member

    Member.objects.filter(name="刘小花").update(labour="lost")
    Member.objects.filter(name="王大明").update(left_on=dt.date(2017, 3, 1), left_reason="death")
    Member.objects.filter(name="李建国").update(
        left_on=dt.date(2015, 3, 1), left_reason="death"
    )  # too long ago
    risk.assess(actor=None, today=TODAY)
    warning = RiskWarning.objects.get()
    assert (warning.category, warning.household.household_no) == ("sudden", "H-WANG")
    assert "唯一劳动力" in warning.reason
