"""The role × URL matrix of the benefit pages (tests/scope.py).

Reading is for the household readers within their scope; recording benefits, paying and the bank files
are for the town office and the administrator. A household-bound page outside a user's scope is 404; a
reader who may not write gets 403."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from fupin.assistance.models import HelperAssignment
from fupin.benefits import bank, services
from fupin.benefits.models import Entitlement

from ..scope import READERS, ROLES, api, client_for, expect
from .conftest import good_account

TOWN = {"admin", "town"}
READ_ONLY = {"cadre": 403, "helper": 403, "leader": 403, "auditor": 403}

EXPECTED = {
    "benefits:index": ("GET", "", expect(READERS, noarea=200)),
    "benefits:household": ("GET", "household", expect(READERS, noarea=404)),
    "benefits:claim_create": ("GET", "household", expect(TOWN, denied=404, **READ_ONLY)),
    "benefits:renovation_create": ("GET", "household", expect(TOWN, denied=404, **READ_ONLY)),
    "benefits:loan_create": ("GET", "household", expect(TOWN, denied=404, **READ_ONLY)),
    "benefits:claim_detail": ("GET", "claim", expect(READERS, noarea=404)),
    "benefits:pay": ("POST", "entitlement", expect(TOWN, ok_status=302, denied=404, **READ_ONLY)),
    "benefits:bank": ("GET", "", expect(TOWN, noarea=200)),
    "benefits:bank_export": ("POST", "", expect(TOWN, noarea=302)),
    "benefits:bank_import": ("POST", "", expect(TOWN, noarea=200)),
    "benefits:bank_batch_file": ("GET", "batch", expect(TOWN, noarea=404)),
    "benefits:education": ("GET", "", expect(READERS, noarea=200)),
    "benefits:education_grant": ("POST", "member", expect(TOWN, ok_status=302, denied=404, **READ_ONLY)),
    "benefits:housing": ("GET", "", expect(READERS, noarea=200)),
    "benefits:loans": ("GET", "", expect(READERS, noarea=200)),
    "benefits:dividends": ("GET", "", expect(READERS, noarea=200)),
    "benefits:checks": ("GET", "", expect(READERS, noarea=200)),
    "api-benefit-entitlement-list": ("GET", "", api(READERS, noarea=200)),
    "api-benefit-entitlement-detail": ("GET", "entitlement", api(READERS, noarea=404)),
    "api-benefit-payment-list": ("GET", "", api(READERS, noarea=200)),
    "api-benefit-payment-detail": ("GET", "payment", api(READERS, noarea=404)),
}


@pytest.fixture
def objects(users, pupil_household):
    household = pupil_household
    HelperAssignment.objects.create(
        helper=users["helper"], household=household, start_date=dt.date(2016, 6, 1)
    )
    claim = services.record_claim(
        actor=users["town"],
        household=household,
        member=household.members.first(),
        treated_on=dt.date(2017, 5, 1),
        hospital="星子镇卫生院",
        total_cost="1000",
        compliant_cost="1000",
        basic_insurance="0",
        critical_insurance="0",
        other_insurance="0",
    )
    entitlement = Entitlement.objects.get(claim=claim)
    payment = services.pay(actor=users["town"], entitlement=entitlement, amount="100")
    batch, _data = bank.export_batch(actor=users["town"])
    pupil = household.members.get(name="小明")
    return {
        "": {},
        "household": {"pk": household.pk},
        "claim": {"pk": claim.pk},
        "entitlement": {"pk": entitlement.pk},
        "batch": {"pk": batch.pk},
        "member": {"pk": pupil.pk},
        "payment": {"pk": payment.pk},
    }


PARAMS = {"benefits:education_grant": {"year": "2017", "amount": "500"}}


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_what_the_matrix_says(client, users, objects, role):
    client = client_for(client, users, role)
    wrong = []
    for name, (method, key, table) in EXPECTED.items():
        url = reverse(name, kwargs=objects[key])
        data = PARAMS.get(name, {})
        response = client.get(url, data) if method == "GET" else client.post(url, data)
        if response.status_code != table[role]:
            wrong.append(f"{method} {name} → {response.status_code}, expected {table[role]}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_another_towns_office_reaches_none_of_the_households_pages(client, users, objects):
    other = users["town"]
    other.area_id = "441882102"
    other.save()
    client.force_login(other)
    for name, (_method, key, _table) in EXPECTED.items():
        if key in ("household", "claim", "entitlement", "member", "batch", "payment"):
            url = reverse(name, kwargs=objects[key])
            response = client.get(url) if _method == "GET" else client.post(url, PARAMS.get(name, {}))
            assert response.status_code == 404, name


def test_a_good_account_helper_is_valid():
    assert services.account_ok(good_account())
