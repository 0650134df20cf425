"""Shortfall and abuse checks over benefits (`fupin benefits check`, the 核查 page).

Each finding is one row `check, household_no, detail, amount`. The checks:

| check | what it lists |
|---|---|
| `medical_shortfall` | a medical-aid claim granted less than the policy's share of its compliant remainder (amount: the shortfall) |
| `student_without_subsidy` | a student at a subsidised stage with no living subsidy for the school year |
| `paid_removed` | 虚报冒领: a payment (not failed) to a household that has been removed (销号) |
| `paid_dead` | 虚报冒领: a payment for a member dated on or after the member's death |
| `paid_unregistered` | 虚报冒领: a payment for a member dated on or after the member left the register (not by death) |
| `paid_twice` | 虚报冒领: the same person paid twice for one entitlement (two payments of the same amount), or for two housing subsidies of one year |
| `shared_account` | 虚报冒领: one bank account receiving payments for several households |

Payments that failed at the bank are ignored (no money went). With a year, payment checks look at payments
dated in that year, the claim check at claims of that year, the student check at that school year.
`fupin.funds.checks.findings(year)` is added when that app is installed (its own checks: 挤占挪用, 截留私分,
挥霍浪费 and the fund-side view of 虚报冒领).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.registry.models import Household

from . import selectors
from .models import Entitlement, Kind, MedicalClaim, Payment

COLUMNS = ["check", "household_no", "detail", "amount"]
LABELS = {
    "medical_shortfall": _("医疗救助不足70%"),
    "student_without_subsidy": _("在校生未享受生活补助"),
    "paid_removed": _("向已销号户付款"),
    "paid_dead": _("向已死亡人员付款"),
    "paid_unregistered": _("向已不在册人员付款"),
    "paid_twice": _("同一待遇重复付款"),
    "shared_account": _("多户共用一个账号"),
}


@dataclass(frozen=True)
class Finding:
    check: str
    household_no: str
    detail: str
    amount: Decimal | None

    def row(self) -> list:
        return [self.check, self.household_no, self.detail, "" if self.amount is None else self.amount]

    @property
    def label(self) -> str:
        return str(LABELS.get(self.check, self.check))


def default_year() -> int:
    latest = Entitlement.objects.aggregate(y=Max("year"))["y"]
    return latest or dt.date.today().year


def _households(user) -> QuerySet[Household]:
    if user is None:
        return Household.objects.all()
    from fupin.registry.selectors import households_for

    return households_for(user=user)


def _payments(user, year: int | None) -> QuerySet[Payment]:
    payments = (
        Payment.objects.filter(household__in=_households(user))
        .exclude(status=Payment.Status.FAILED)
        .select_related("household", "entitlement", "entitlement__member")
    )
    return payments.filter(paid_for__year=year) if year else payments


def medical_shortfall(user, year: int | None) -> list[Finding]:
    claims = MedicalClaim.objects.filter(household__in=_households(user)).select_related(
        "household", "member"
    )
    if year:
        claims = claims.filter(year=year)
    found = []
    for claim in claims.order_by("household__household_no", "treated_on"):
        if claim.aid_granted < claim.aid_due:
            found.append(
                Finding(
                    "medical_shortfall",
                    claim.household.household_no,
                    f"{claim.treated_on} {claim.hospital}：应救助 {claim.aid_due}，核定 {claim.aid_granted}",
                    claim.shortfall,
                )
            )
    return found


def students_without_subsidy(user, year: int) -> list[Finding]:
    if user is None:
        members = selectors.students_without_subsidy_all(year=year)
    else:
        members = selectors.students_without_subsidy(user=user, year=year)
    return [
        Finding(
            "student_without_subsidy",
            m.household.household_no,
            f"{m.name}（{m.get_school_status_display()}）{year}学年无生活费补助",
            None,
        )
        for m in members
    ]


def paid_to_people_off_register(user, year: int | None) -> list[Finding]:
    found = []
    for p in _payments(user, year).order_by("household__household_no", "paid_for", "pk"):
        member = p.entitlement.member
        if p.household.status == "removed":
            found.append(
                Finding(
                    "paid_removed",
                    p.household.household_no,
                    f"{p.reference} {p.paid_for} 该户已销号",
                    p.amount,
                )
            )
        elif member is not None and member.left_on is not None and member.left_on <= p.paid_for:
            check = "paid_dead" if member.left_reason == "death" else "paid_unregistered"
            what = "死亡" if check == "paid_dead" else "离开"
            found.append(
                Finding(
                    check,
                    p.household.household_no,
                    f"{p.reference} {p.paid_for} 付给{member.name}（{member.left_on}已{what}）",
                    p.amount,
                )
            )
    return found


def paid_twice(user, year: int | None) -> list[Finding]:
    found = []
    by_entitlement: dict[tuple, list[Payment]] = defaultdict(list)
    housing: dict[tuple, set[int]] = defaultdict(set)
    payments = list(_payments(user, year).order_by("pk"))
    for p in payments:
        by_entitlement[(p.entitlement_id, p.amount)].append(p)
        if p.entitlement.kind == Kind.HOUSING:
            housing[(p.household_id, p.entitlement.year)].add(p.entitlement_id)
    for (_entitlement, amount), group in by_entitlement.items():
        if len(group) > 1:
            first = group[0]
            refs = "、".join(p.reference for p in group)
            who = first.entitlement.member.name if first.entitlement.member else first.payee
            found.append(
                Finding(
                    "paid_twice",
                    first.household.household_no,
                    f"{who} {first.entitlement.get_kind_display()}{first.entitlement.year} 付款 {refs}",
                    amount * (len(group) - 1),
                )
            )
    numbers = {p.household_id: p.household.household_no for p in payments}
    for (household_id, entitlement_year), entitlements in housing.items():
        if len(entitlements) > 1:
            amount = sum((p.amount for p in payments if p.entitlement_id in entitlements), Decimal("0.00"))
            found.append(
                Finding(
                    "paid_twice",
                    numbers[household_id],
                    f"{entitlement_year}年危房改造补助付了{len(entitlements)}次",
                    amount,
                )
            )
    return found


def shared_accounts(user, year: int | None) -> list[Finding]:
    accounts: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for p in _payments(user, year):
        accounts[p.bank_account][p.household.household_no] += p.amount
    found = []
    for account, households in sorted(accounts.items()):
        if len(households) > 1:
            numbers = sorted(households)
            tail = account[-4:]
            for number in numbers:
                others = "、".join(n for n in numbers if n != number)
                found.append(
                    Finding(
                        "shared_account",
                        number,
                        f"账号尾号{tail}也收到 {others} 的付款",
                        households[number],
                    )
                )
    return found


def _funds_findings(year: int | None) -> list[Finding]:
    try:
        from fupin.funds import checks as funds_checks  # the funds app, when installed
    except ImportError:
        return []
    from fupin.funds.models import Allocation

    # Without a year, every year that has allocations (the funds checks are per year).
    years = [year] if year is not None else sorted(set(Allocation.objects.values_list("year", flat=True)))
    found = []
    for item in (item for each in years for item in funds_checks.findings(each)):
        get = item.get if isinstance(item, dict) else (lambda name, _i=item: getattr(_i, name, ""))
        amount = get("amount")
        found.append(
            Finding(
                str(get("check")),
                str(get("household_no") or ""),
                str(get("detail") or ""),
                None if amount in (None, "") else Decimal(str(amount)),
            )
        )
    return found


def findings(*, year: int | None = None, user=None, include_funds: bool = True) -> list[Finding]:
    """Every finding; `user` limits them to the user's households (None: the whole database, for the
    command)."""
    found = [
        *medical_shortfall(user, year),
        *students_without_subsidy(user, year or default_year()),
        *paid_to_people_off_register(user, year),
        *paid_twice(user, year),
        *shared_accounts(user, year),
    ]
    if include_funds and user is None:
        found.extend(_funds_findings(year))
    return found
