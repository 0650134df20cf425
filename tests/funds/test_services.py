"""Allocations, the project lifecycle with maker-checker, and expenses that never exceed their money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.areas.models import VillageDesignation
from fupin.core.models import AuditEvent
from fupin.funds import services
from fupin.funds.models import Expense, Project
from fupin.funds.selectors import ledger, village_funds

from .conftest import run_to


def test_the_proposer_cannot_approve_their_own_project(users, project):
    p = project(by=users["town"])
    with pytest.raises(services.FundsError) as err:
        services.advance_project(actor=users["town"], project=p, to_status="approved", on=dt.date(2017, 4, 1))
    assert err.value.code == "maker_checker"
    p.refresh_from_db()
    assert p.status == "proposed"
    # Another town user (the administrator here) may.
    services.advance_project(actor=users["admin"], project=p, to_status="approved", on=dt.date(2017, 4, 1))
    p.refresh_from_db()
    assert (p.status, p.approved_by) == ("approved", users["admin"])


def test_the_proposer_cannot_accept_their_own_project_either(users, project):
    p = project(by=users["town"])
    services.advance_project(actor=users["admin"], project=p, to_status="approved", on=dt.date(2017, 4, 1))
    for step in ("tendering", "implementing"):
        p = services.advance_project(
            actor=users["town"],
            project=p,
            to_status=step,
            on=dt.date(2017, 4, 2),
            contractor="某公司",
            contract_amount="50000",
        )
    with pytest.raises(services.FundsError) as err:
        services.advance_project(actor=users["town"], project=p, to_status="accepted", on=dt.date(2017, 9, 1))
    assert err.value.code == "maker_checker"


def test_a_village_cadre_proposes_but_cannot_approve(users, project):
    p = project()
    with pytest.raises(services.NotPermitted):
        services.advance_project(
            actor=users["cadre"], project=p, to_status="approved", on=dt.date(2017, 4, 1)
        )


def test_steps_cannot_be_skipped(users, project):
    p = project()
    with pytest.raises(services.FundsError) as err:
        services.advance_project(actor=users["town"], project=p, to_status="accepted", on=dt.date(2017, 4, 1))
    assert err.value.code == "bad_transition"


def test_the_whole_lifecycle_is_recorded_and_audited(users, project):
    p = run_to(project(), "evaluated", users)
    assert p.status == "evaluated"
    assert p.contractor == "连州市路桥工程公司"
    assert p.accepted_by == users["town"]
    assert p.evaluation == "good"
    steps = list(
        AuditEvent.objects.filter(action="funds_project_transition", object_id=str(p.pk)).values_list(
            "detail__to", flat=True
        )
    )
    assert steps == ["approved", "tendering", "implementing", "accepted", "evaluated"]


def test_approval_is_refused_when_the_budget_exceeds_what_the_allocation_has_left(users, allocation, project):
    money = allocation(amount="80000.00")
    run_to(project(alloc=money, budget="50000.00"), "approved", users)
    second = project(alloc=money, budget="30000.01", name="第二个项目")
    with pytest.raises(services.FundsError) as err:
        services.advance_project(
            actor=users["town"], project=second, to_status="approved", on=dt.date(2017, 4, 1)
        )
    assert err.value.code == "over_allocation"
    exactly = project(alloc=money, budget="30000.00", name="第三个项目")
    assert (
        services.advance_project(
            actor=users["town"], project=exactly, to_status="approved", on=dt.date(2017, 4, 1)
        ).status
        == "approved"
    )


def test_an_expense_over_its_allocation_is_refused_and_nothing_is_written(users, allocation, make_household):
    money = allocation(amount="1000.00", purposes=["industry"])
    household = make_household()
    services.record_expense(
        actor=users["town"],
        allocation=money,
        amount="600.00",
        paid_on=dt.date(2017, 3, 5),
        payee="户主",
        household=household,
        project_type="industry",
    )
    with pytest.raises(services.FundsError) as err:
        services.record_expense(
            actor=users["town"],
            allocation=money,
            amount="400.01",
            paid_on=dt.date(2017, 3, 6),
            payee="户主",
            household=household,
            project_type="industry",
        )
    assert err.value.code == "over_allocation"
    assert "400.01" in err.value.message
    assert Expense.objects.count() == 1
    # The exact remainder is accepted.
    services.record_expense(
        actor=users["town"],
        allocation=money,
        amount="400.00",
        paid_on=dt.date(2017, 3, 6),
        payee="户主",
        household=household,
        project_type="industry",
    )
    assert sum(e.amount for e in Expense.objects.all()) == Decimal("1000.00")


def test_a_project_is_paid_only_while_implemented_and_within_its_budget(users, project):
    p = project(budget="50000.00")
    with pytest.raises(services.FundsError) as err:
        services.record_expense(
            actor=users["town"],
            allocation=p.allocation,
            project=p,
            amount="100",
            paid_on=dt.date(2017, 4, 1),
            payee="x",
        )
    assert err.value.code == "not_payable"
    p = run_to(p, "implementing", users)
    services.record_expense(
        actor=users["town"],
        allocation=p.allocation,
        project=p,
        amount="30000",
        paid_on=dt.date(2017, 5, 1),
        payee="公司",
    )
    with pytest.raises(services.FundsError) as err:
        services.record_expense(
            actor=users["town"],
            allocation=p.allocation,
            project=p,
            amount="20000.01",
            paid_on=dt.date(2017, 6, 1),
            payee="公司",
        )
    assert err.value.code == "over_budget"


def test_a_zero_or_negative_or_garbled_amount_is_refused(users, allocation):
    for bad in ("0", "-5", "abc", "NaN"):
        with pytest.raises(services.FundsError):
            allocation(amount=bad)


def test_the_ledger_shows_spent_committed_and_remaining(users, allocation, project):
    money = allocation(amount="100000.00")
    p = run_to(project(alloc=money, budget="60000.00"), "implementing", users)
    services.record_expense(
        actor=users["town"],
        allocation=money,
        project=p,
        amount="25000.00",
        paid_on=dt.date(2017, 5, 1),
        payee="公司",
    )
    book = ledger(user=users["town"], year=2017)
    [row] = book.allocations
    assert (row["spent"], row["committed"], row["remaining"]) == (
        Decimal("25000.00"),
        Decimal("35000.00"),
        Decimal("40000.00"),
    )
    [road] = book.by_type
    assert (road.label, road.spent, road.committed) == (
        "村道硬底化",
        Decimal("25000.00"),
        Decimal("35000.00"),
    )
    # Another village's cadre sees none of it.
    assert ledger(user=users["cadre_b"], year=2017).allocations == []


def test_the_300000_mark_is_met_at_exactly_300000_and_the_per_person_fund_does_not_count(
    users, areas, allocation
):
    VillageDesignation.objects.create(village=areas["a"], designated_year=2016)
    allocation(amount="299999.99")
    allocation(amount="500000.00", source="pp_province")
    [row] = village_funds(user=users["town"], year=2017)
    assert (row.assistance, row.meets_mark, row.short_by) == (Decimal("299999.99"), False, Decimal("0.01"))
    allocation(amount="0.01", source="social")
    [row] = village_funds(user=users["town"], year=2017)
    assert (row.assistance, row.meets_mark, row.per_person) == (
        Decimal("300000.00"),
        True,
        Decimal("500000.00"),
    )


def test_a_cadre_cannot_propose_in_another_village(users, areas, allocation):
    money = allocation(area=areas["town"])
    with pytest.raises(services.NotPermitted):
        services.propose_project(
            actor=users["cadre"],
            name="x",
            village=areas["b"],
            project_type="road",
            allocation=money,
            budget="1",
            beneficiaries=1,
            proposed_on=dt.date(2017, 3, 1),
        )
    assert not Project.objects.exists()


def test_a_stale_version_is_refused(users, project):
    p = project()
    with pytest.raises(services.ConcurrentEdit):
        services.advance_project(
            actor=users["town"],
            project=p,
            to_status="approved",
            on=dt.date(2017, 4, 1),
            expected_version=p.version + 5,
        )


def test_only_relatively_poor_villages_of_the_year_are_held_to_the_mark(users, areas, allocation):
    VillageDesignation.objects.create(village=areas["a"], designated_year=2016, exited_year=2016)
    VillageDesignation.objects.create(village=areas["b"], designated_year=2016)
    allocation(amount="1000.00")
    rows = village_funds(user=users["town"], year=2017)
    # Village A left the list in 2016; village B is designated and has nothing yet.
    assert [(r.code, r.assistance, r.meets_mark) for r in rows] == [(areas["b"].code, Decimal("0.00"), False)]
    assert [r.code for r in village_funds(user=users["town"], year=2016)] == [
        areas["a"].code,
        areas["b"].code,
    ]
