"""The policy's village table from stored rows: evaluate only the villages whose rows are missing
(never computed, or deleted by a registry change in the village), store them, read the rest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

from django.db import IntegrityError, OperationalError, transaction

from fupin.areas.models import Area
from fupin.core.scope import code_prefix

from .models import VillageVerdict

DECIMALS = ("poor_share", "per_capita_income", "incidence")
# Above this many villages without rows, one evaluation of the whole area is cheaper than one each.
WHOLE_AREA_ABOVE = 20


def policy_key(policy) -> str:
    """The policy's name and a digest of its whole definition: a changed file computes afresh."""
    return f"{policy.name}:{hashlib.sha256(repr(policy).encode()).hexdigest()[:16]}"


def _to_json(row: dict) -> dict:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}


def _from_json(row: dict) -> dict:
    return {k: (Decimal(v) if k in DECIMALS and v is not None else v) for k, v in row.items()}


def village_rows(
    policy, year: int, area: str | None, compute: Callable[[str | None], list[dict]], *, source: str = "live"
) -> list[dict]:
    """The village rows of `area` (None: all) for `policy` and `year`; `compute(area)` evaluates an
    area with the batch engine (the rows of `policy.selectors.village_rows`). `source` names where the
    facts come from (the live registry, or a locked snapshot): rows of one source never stand for another,
    so locking a year-close snapshot computes the year afresh from it."""
    key = f"{policy_key(policy)}:{source}"[:80]
    villages = Area.objects.filter(level="village")
    if area:
        villages = villages.filter(code_prefix("code", area))
    expected = set(villages.values_list("code", flat=True))
    stored_rows = VillageVerdict.objects.filter(policy_key=key, year=year, village_id__in=expected)
    stored = {v: _from_json(r) for v, r in stored_rows.values_list("village_id", "row")} if expected else {}
    missing = expected - set(stored)
    if missing:
        computed = (
            compute(area)
            if len(missing) > WHOLE_AREA_ABOVE
            else [row for code in sorted(missing) for row in compute(code)]
        )
        fresh = {r["village_code"]: r for r in computed if r["village_code"] in missing}
        _store(key, year, fresh)
        stored.update(fresh)
        # Villages the engine returned no row for stay unstored (and are evaluated again next time).
    return [stored[code] for code in sorted(stored)]


def _store(key: str, year: int, rows: dict[str, dict]) -> None:
    try:
        with transaction.atomic():
            VillageVerdict.objects.bulk_create(
                [
                    VillageVerdict(policy_key=key, year=year, village_id=c, row=_to_json(r))
                    for c, r in rows.items()
                ],
                batch_size=1000,
                ignore_conflicts=True,
            )
    except (IntegrityError, OperationalError):
        # Stored first by a concurrent request, or the database is busy with an import's commit: the
        # page shows the rows it computed and the next request stores them.
        pass


def invalidate(*, villages: set[str] | None = None, area: str | None = None) -> None:
    """Delete the stored rows of `villages` (or of every village in `area`, or all)."""
    queryset = VillageVerdict.objects.all()
    if villages is not None:
        queryset = queryset.filter(village_id__in=sorted(v for v in villages if v))
    elif area:
        queryset = queryset.filter(code_prefix("village_id", area))
    queryset.delete()
