"""Plain facts (the explain side's input) as the Arrow tables the bulk engine reads."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from fupin.policy.conditions import HouseholdFacts, VillageFacts
from fupin.policy.definition import cents

from .engine import RegistryTables


def to_tables(households: Iterable[HouseholdFacts], villages: Iterable[VillageFacts] = ()) -> RegistryTables:
    hh: dict[str, list] = {
        k: [] for k in ("household_id", "household_no", "village_code", "housing_safe", "water_safe")
    }
    mem: dict[str, list] = {
        k: []
        for k in (
            "household_id",
            "labour",
            "school_status",
            "birth_date",
            "medical_insurance",
            "dibao",
            "tekun",
        )
    }
    inc: dict[str, list] = {"household_id": [], "disposable_cents": []}
    for h in households:
        hh["household_id"].append(h.household_id)
        hh["household_no"].append(h.household_no)
        hh["village_code"].append(h.village_code)
        hh["housing_safe"].append(h.housing_safe)
        hh["water_safe"].append(h.water_safe)
        for m in h.members:
            mem["household_id"].append(h.household_id)
            mem["labour"].append(m.labour)
            mem["school_status"].append(m.school_status)
            mem["birth_date"].append(m.birth_date)
            mem["medical_insurance"].append(m.medical_insurance)
            mem["dibao"].append(m.dibao)
            mem["tekun"].append(m.tekun)
        if h.disposable is not None:
            inc["household_id"].append(h.household_id)
            inc["disposable_cents"].append(cents(h.disposable))
    vil: dict[str, list] = {k: [] for k in ("village_code", "name", "registered_population", "pc_cents")}
    for v in villages:
        vil["village_code"].append(v.village_code)
        vil["name"].append(v.name)
        vil["registered_population"].append(v.registered_population)
        vil["pc_cents"].append(None if v.per_capita_income is None else cents(v.per_capita_income))
    return RegistryTables(
        households=pa.table(
            hh,
            schema=pa.schema(
                [
                    ("household_id", pa.int64()),
                    ("household_no", pa.string()),
                    ("village_code", pa.string()),
                    ("housing_safe", pa.bool_()),
                    ("water_safe", pa.bool_()),
                ]
            ),
        ),
        members=pa.table(
            mem,
            schema=pa.schema(
                [
                    ("household_id", pa.int64()),
                    ("labour", pa.string()),
                    ("school_status", pa.string()),
                    ("birth_date", pa.date32()),
                    ("medical_insurance", pa.bool_()),
                    ("dibao", pa.bool_()),
                    ("tekun", pa.bool_()),
                ]
            ),
        ),
        incomes=pa.table(
            inc, schema=pa.schema([("household_id", pa.int64()), ("disposable_cents", pa.int64())])
        ),
        villages=pa.table(
            vil,
            schema=pa.schema(
                [
                    ("village_code", pa.string()),
                    ("name", pa.string()),
                    ("registered_population", pa.int64()),
                    ("pc_cents", pa.int64()),
                ]
            ),
        ),
    )
