"""Who may do what in monitoring (the where is the user's area, `fupin.core.scope`)."""

from __future__ import annotations

from fupin.core.roles import Role

from .models import ListKind

# The findings that concern 低保/特困: what the 民政 role sees.
CIVIL_RULES = ("dibao_mismatch", "dibao_not_registered", "no_labour_not_dibao")


def may_load(user, kind: str) -> bool:
    if user is None:  # a command run by the operator of the machine
        return True
    if not user.is_active:
        return False
    if user.role in (Role.ADMIN, Role.TOWN_OFFICE):
        return True
    return user.role == Role.CIVIL_AFFAIRS and kind == ListKind.CIVIL


def may_run(user) -> bool:
    return user is None or (user.is_active and user.role in (Role.ADMIN, Role.TOWN_OFFICE))


def reads_findings(user) -> bool:
    return user.is_authenticated and (user.reads_households or user.role == Role.CIVIL_AFFAIRS)


def rules_for(user) -> tuple[str, ...] | None:
    """The rules whose findings `user` sees; None: all."""
    if user.role == Role.CIVIL_AFFAIRS:
        return CIVIL_RULES
    return None


def may_decide(user) -> bool:
    return user.is_authenticated and user.is_active and user.manages_households


def reads_dashboard(user) -> bool:
    return user.is_authenticated and (
        user.reads_aggregates or user.role in (Role.CIVIL_AFFAIRS, Role.EVALUATOR)
    )


def is_civil(user) -> bool:
    return user.is_authenticated and user.role in (Role.CIVIL_AFFAIRS, Role.ADMIN)
