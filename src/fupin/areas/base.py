"""The administrative tree shipped with the system (DOMAIN.md §9): 广东省 → 清远市 → 连州市 → its 12 towns."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "base_areas.csv"


def base_rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_base_areas(area_model) -> None:
    """Create or refresh the shipped areas; takes the model so a migration can pass its historical one."""
    for row in base_rows():
        area_model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent_id": row["parent"] or None},
        )
