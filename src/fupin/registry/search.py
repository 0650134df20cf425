"""Finding households by what an office types: an ID number (whole or its last 4–6 characters), a
household number, or a name.

Every branch is one indexed lookup on its own, never an OR over subqueries (which PostgreSQL re-ran for
every household of a province): the household ids each branch finds are gathered — at most `LIMIT` —
and the list filters on them.

- full ID number: `member_id_number` (btree), exact;
- last 4–6 characters of an ID number: `member_id_tail`, an expression index on the last six characters
  reversed (`TAIL_SQL`, the same text on SQLite and PostgreSQL), searched as a prefix range of the
  reversed suffix; like the full number, only for roles that may unmask (a yes/no answer per guess);
- household number: the unique index, exact;
- name: `member_name` (btree), as a prefix range — 张 finds every 张, 张三 finds 张三 and 张三丰. On PostgreSQL a
  text of three characters or more also matches inside names through the `pg_trgm` GIN index
  `member_name_trgm`.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from fupin.core.scope import code_prefix, prefix_end

from .models import Household, Member

# How many households one search may find (the list pages through them, ordered by household number).
LIMIT = 2000
TAIL_LENGTH = 6
# The last six characters of the ID number, reversed: "…123456" → "654321". Exactly this text is in the
# index (registry migration 0003_scale_search), so both databases match the query to the index.
TAIL_SQL = " || ".join(f"substr(id_number, length(id_number) - {i}, 1)" for i in range(TAIL_LENGTH))
SUFFIX = re.compile(r"^\d{3,5}[\dXx]$")


def is_id_suffix(text: str) -> bool:
    return bool(SUFFIX.match(text))


def _ids(queryset: QuerySet, column: str = "household_id") -> set[int]:
    return set(queryset.order_by().values_list(column, flat=True).distinct()[:LIMIT])


def members_by_id_suffix(members: QuerySet[Member], suffix: str) -> QuerySet[Member]:
    """Members whose ID number ends with `suffix` (4–6 characters), through the tail index."""
    reversed_suffix = suffix.upper()[::-1]
    return members.annotate(id_tail=RawSQL(f"({TAIL_SQL})", ())).filter(
        id_tail__gte=reversed_suffix, id_tail__lt=prefix_end(reversed_suffix)
    )


def matching_households(text: str, *, may_search_id: bool) -> set[int]:
    """Ids of the households `text` finds (unscoped: the caller filters its scoped list on them)."""
    text = text.strip()
    if not text:
        return set()
    on_register = Member.objects.filter(left_on__isnull=True)
    found = _ids(Household.objects.filter(household_no=text), "pk")
    if may_search_id and len(text) in (15, 18):
        found |= _ids(on_register.filter(id_number=text.upper()))
    if may_search_id and is_id_suffix(text):
        found |= _ids(members_by_id_suffix(on_register, text))
    if not text.isdigit():
        found |= _ids(on_register.filter(code_prefix("name", text)))
        if connection.vendor == "postgresql" and len(text) >= 3:
            found |= _ids(on_register.filter(name__contains=text))
    return found


def ensure_indexes(*, using: str = "default", **_kwargs) -> None:
    """Create the search's expression indexes if missing (post_migrate). Migration 0003_scale_search
    creates them; SQLite drops indexes the model state does not know of whenever a later migration
    rebuilds the member table, and this puts them back."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS member_id_tail ON registry_member (({TAIL_SQL}))")
        if connections[using].vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            if cursor.fetchone():
                cursor.execute(
                    "CREATE INDEX IF NOT EXISTS member_name_trgm ON registry_member USING gin (name gin_trgm_ops)"
                )
