"""One list of the village indicator fields, for the form, the Excel template, the import and the export;
and the town's targets of the notice (连星府〔2016〕114号) that the progress page measures them against.

Numbers (21 health stations, 40 km of roads) are policy numbers (`[numbers.town_*_target]` of the
policy file). The named villages are facts of the notice, not numbers, and are kept here with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.registry.validation import Problem


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "km" | "bool" | "money" | "text"


FIELDS = (
    Field("road_km_hardened", "km"),
    Field("roads_reach_all", "bool"),
    Field("road_widened", "bool"),
    Field("safe_water", "bool"),
    Field("electricity", "bool"),
    Field("radio_tv", "bool"),
    Field("broadband", "bool"),
    Field("health_station", "bool"),
    Field("irrigation", "bool"),
    Field("collective_income", "money"),
    Field("note", "text"),
)
BOOLEAN_FIELDS = tuple(f.name for f in FIELDS if f.kind == "bool")

# The six relatively poor villages that depend on the 星子瀑布 canal, and the villages whose road to the
# village must be widened (连星府〔2016〕114号, 基础设施).
CANAL_VILLAGES = ("昌黎村", "四方村", "水源村", "东红村", "赤塘村", "马水村")
WIDENING_VILLAGES = ("清江村", "上庄村", "姜联村", "周联村", "马水村")
NOTICE = gettext_lazy("连星府〔2016〕114号")

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "无", "n", "no", "false", "0", "×", ""}


def label(name: str) -> str:
    from .models import VillageIndicators

    return str(VillageIndicators._meta.get_field(name).verbose_name)


def clean(raw: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Values as the model takes them, and the problems, with the workbook's codes and Chinese messages."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    for field in FIELDS:
        value = raw.get(field.name)
        text = "" if value is None else str(value).strip()
        if field.kind == "bool":
            if isinstance(value, bool):
                out[field.name] = value
            elif text.lower() in YES:
                out[field.name] = True
            elif text.lower() in NO:
                out[field.name] = False
            else:
                problems.append(
                    Problem(
                        field.name,
                        "bad_choice",
                        _("“%(f)s”应填“是”或“否”，现为“%(v)s”") % {"f": label(field.name), "v": text},
                    )
                )
        elif field.kind in ("km", "money"):
            if not text:
                out[field.name] = Decimal(0) if field.kind == "km" else None
                continue
            try:
                amount = Decimal(text.replace(",", ""))
                if not amount.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(
                    Problem(
                        field.name,
                        "not_a_number",
                        _("“%(f)s”应为数字，现为“%(v)s”") % {"f": label(field.name), "v": text},
                    )
                )
                continue
            if amount < 0:
                problems.append(
                    Problem(
                        field.name,
                        "negative",
                        _("“%(f)s”不能为负数，现为“%(v)s”") % {"f": label(field.name), "v": text},
                    )
                )
            elif amount.as_tuple().exponent < -2 or amount >= Decimal("1e9"):
                problems.append(
                    Problem(
                        field.name,
                        "bad_amount",
                        _("“%(f)s”最多两位小数、小于十亿，现为“%(v)s”") % {"f": label(field.name), "v": text},
                    )
                )
            else:
                out[field.name] = amount
        else:
            out[field.name] = text[:200]
    return out, problems
