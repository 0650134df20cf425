"""Plain facts (the explain side's input) as the Arrow tables the bulk engine reads."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from fupin.policy.conditions import HouseholdFacts, VillageFacts
from fupin.policy.definition import cents

from . import layout
from .sources import RegistryTables

# Facts say nothing of identification and status: a household built from facts counts as 在册 and
# identified in the first year any policy judges.
IDENTIFIED_YEAR = 2014


def to_tables(
    households: Iterable[HouseholdFacts], villages: Iterable[VillageFacts] = (), year: int = 2016
) -> RegistryTables:
    hh: dict[str, list] = {
        k: []
        for k in ("household_id", "household_no", "village_code", "housing_safe", "water_safe", "status")
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
    inc: dict[str, list] = {"household_id": [], "year": [], "wages_cents": []}
    for h in households:
        hh["household_id"].append(h.household_id)
        hh["household_no"].append(h.household_no)
        hh["village_code"].append(h.village_code)
        hh["housing_safe"].append(h.housing_safe)
        hh["water_safe"].append(h.water_safe)
        hh["status"].append("registered")
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
            inc["year"].append(year)
            inc["wages_cents"].append(cents(h.disposable))
    vil: dict[str, list] = {"village_code": [], "name": []}
    vy: dict[str, list] = {
        "village_code": [],
        "year": [],
        "registered_population": [],
        "per_capita_income_cents": [],
    }
    for v in villages:
        vil["village_code"].append(v.village_code)
        vil["name"].append(v.name)
        vy["village_code"].append(v.village_code)
        vy["year"].append(year)
        vy["registered_population"].append(v.registered_population)
        vy["per_capita_income_cents"].append(
            None if v.per_capita_income is None else cents(v.per_capita_income)
        )
    households_table = layout.conform("households", _table(hh, "households"))
    households_table = households_table.set_column(
        households_table.schema.get_field_index("identified_year"),
        "identified_year",
        pa.array([IDENTIFIED_YEAR] * households_table.num_rows, pa.int32()),
    )
    incomes = layout.conform("incomes", _table(inc, "incomes"))
    for column in layout.MONEY[1:]:
        index = incomes.schema.get_field_index(f"{column}_cents")
        incomes = incomes.set_column(index, f"{column}_cents", pa.array([0] * incomes.num_rows, pa.int64()))
    return RegistryTables(
        households=households_table,
        members=layout.conform("members", _table(mem, "members")),
        incomes=incomes,
        villages=layout.conform("villages", _table(vil, "villages")),
        village_years=layout.conform("village_years", _table(vy, "village_years")),
        designations=layout.empty("designations"),
        status_changes=layout.empty("status_changes"),
    )


def _table(columns: dict[str, list], name: str) -> pa.Table:
    schema = layout.SCHEMAS[name]
    return pa.table({k: pa.array(v, schema.field(k).type) for k, v in columns.items()})
