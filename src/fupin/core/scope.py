"""Area scoping shared by every app's selectors.

A user sees the records whose area code starts with the code of the user's area. A user without an
area sees nothing; only an active system administrator sees everything. NULL never means "all".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import User


def area_filter(user: User, field: str) -> Q | None:
    """Q restricting `field` (an area code column) to the user's area; None means unrestricted.

    Returns a Q that matches nothing when the user has no area.
    """
    if user.is_admin:
        return None
    if not user.is_active or not user.area_id:
        return Q(pk__in=[])
    return Q(**{f"{field}__startswith": user.area_id})


def in_area(queryset: QuerySet, user: User, field: str) -> QuerySet:
    condition = area_filter(user, field)
    return queryset if condition is None else queryset.filter(condition)
