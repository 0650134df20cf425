"""A few households built for the monitoring rules, and a helper writing department lists as files."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from fupin.registry import services as registry_services

from ..conftest import VILLAGE_A, VILLAGE_B, household_data, income_data, make_id_number, member_data


def write_csv(path, header: list[str], rows: list[list], encoding: str = "utf-8"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


@pytest.fixture
def build(users):
    """build(village, [member overrides…], **household overrides) → Household (the first member is the head)."""

    def factory(village=VILLAGE_A, people=({},), incomes=(2016,), **overrides):
        members = []
        for i, extra in enumerate(people):
            data = member_data("head" if i == 0 else "child", name=f"成员{i}")
            data.update(extra)
            members.append(data)
        return registry_services.create_household(
            actor=users["admin"],
            household=household_data(village, **overrides),
            members=members,
            incomes=[income_data(y) for y in incomes],
        )

    return factory


@pytest.fixture
def people(build):
    """Two households in village A, one in village B, with known names, birth dates and ID numbers."""
    born = {
        "wang": dt.date(1960, 3, 5),
        "wang_wife": dt.date(1962, 7, 9),
        "li": dt.date(1970, 1, 20),
        "chen": dt.date(1945, 11, 2),
    }
    ids = {k: make_id_number(born=v, male=k != "wang_wife") for k, v in born.items()}
    h1 = build(
        VILLAGE_A,
        [
            {"name": "王大明", "id_number": ids["wang"]},
            {"name": "刘小花", "id_number": ids["wang_wife"], "relation": "配偶", "health": "残疾"},
        ],
        household_no="H-WANG",
    )
    h2 = build(VILLAGE_A, [{"name": "李建国", "id_number": ids["li"]}], household_no="H-LI")
    h3 = build(
        VILLAGE_B,
        [{"name": "陈老汉", "id_number": ids["chen"], "labour": "丧失劳动力", "health": "长期慢性病"}],
        household_no="H-CHEN",
    )
    return {"ids": ids, "born": born, "wang": h1, "li": h2, "chen": h3}
