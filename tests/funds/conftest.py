from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.funds import services

from ..conftest import TOWN, VILLAGE_A, VILLAGE_B  # noqa: F401


@pytest.fixture
def allocation(users, areas):
    def make(
        area=None,
        amount="100000.00",
        source="province_fiscal",
        purposes=(),
        year=2017,
        on=dt.date(2017, 3, 1),
        **kw,
    ):
        return services.create_allocation(
            actor=users["town"],
            year=year,
            document_no=kw.pop("document_no", "清财农〔2017〕1号"),
            source=source,
            title=kw.pop("title", "村道建设资金"),
            area=area or areas["a"],
            amount=amount,
            allocated_on=on,
            purposes=purposes,
        )

    return make


@pytest.fixture
def project(users, areas, allocation):
    def make(
        alloc=None, budget="50000.00", project_type="road", beneficiaries=100, by=None, village=None, **kw
    ):
        return services.propose_project(
            actor=by or users["cadre"],
            name=kw.pop("name", "昌黎村村道硬底化"),
            village=village or areas["a"],
            project_type=project_type,
            allocation=alloc or allocation(),
            budget=budget,
            beneficiaries=beneficiaries,
            proposed_on=kw.pop("proposed_on", dt.date(2017, 3, 10)),
        )

    return make


def run_to(project_obj, status, users, on=dt.date(2017, 4, 1)):
    """Move a project along its lifecycle up to `status` (town approves, cadre tenders)."""
    steps = ["approved", "tendering", "implementing", "accepted", "evaluated"]
    for step in steps[: steps.index(status) + 1]:
        actor = users["town"] if step != "tendering" else users["cadre"]
        project_obj = services.advance_project(
            actor=actor,
            project=project_obj,
            to_status=step,
            on=on,
            contractor="连州市路桥工程公司",
            contract_amount=project_obj.budget,
            evaluation="good",
        )
    return project_obj


D = Decimal
