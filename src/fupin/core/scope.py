"""Area scoping shared by every app's selectors.

A user sees the records whose area code starts with the code of the user's area. A user without an
area sees nothing; only an active system administrator sees everything. NULL never means "all".

"Starts with" is written as a range on the code — `code >= p AND code < p'` where p' is p with its last
character incremented ("4418" → "4419") — never as `LIKE 'p%'`: SQLite's LIKE is case-insensitive and
Django adds `ESCAPE '\\'`, so it cannot use an index; the range uses the same btree on SQLite and
PostgreSQL (whatever the collation) and is exact for any string, codes sharing a prefix included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

if TYPE_CHECKING:  # importable without Django set up (batch.sources uses prefix_sql)
    from .models import User


def prefix_end(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (exclusive upper bound).

    A code's bound stays digits ("4419" → "442", not "441:"): a database whose collation is not C (a
    zh_CN or en_US locale) ignores punctuation when it compares, so ":" would not sort after the digits.
    """
    stem = prefix.rstrip("9")
    if stem and stem[-1].isdigit() and prefix.isdigit():
        return stem[:-1] + str(int(stem[-1]) + 1)
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def code_prefix(field: str, prefix: str) -> Q:
    """Q for "`field` starts with `prefix`", as an indexable range. An empty prefix matches every row."""
    prefix = str(prefix)
    if not prefix:
        return Q()
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_end(prefix)})


def prefix_sql(column: str, prefix: str) -> str:
    """The same range as SQL text, for raw statements; `prefix` must be a code (digits only)."""
    if not prefix.isdigit():
        raise ValueError("an area code is digits only")
    return f"({column} >= '{prefix}' AND {column} < '{prefix_end(prefix)}')"


def area_filter(user: User, field: str) -> Q | None:
    """Q restricting `field` (an area code column) to the user's area; None means unrestricted.

    Returns a Q that matches nothing when the user has no area.
    """
    if user.is_admin:
        return None
    if not user.is_active or not user.area_id:
        return Q(pk__in=[])
    return code_prefix(field, user.area_id)


def in_area(queryset: QuerySet, user: User, field: str) -> QuerySet:
    condition = area_filter(user, field)
    return queryset if condition is None else queryset.filter(condition)
