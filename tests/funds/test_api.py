"""The funds API: read only, scoped, amounts as strings to the fen, codes with their labels."""

from __future__ import annotations

from django.urls import reverse

from .conftest import run_to


def test_projects_and_allocations_through_the_api(client, users, allocation, project):
    money = allocation(amount="88000.50", purposes=["road"])
    p = run_to(project(alloc=money, budget="50000.00"), "implementing", users)
    client.force_login(users["leader"])
    [row] = client.get(reverse("api-fund-project-list")).json()["results"]
    assert (row["id"], row["status"], row["status_label"], row["budget"], row["contract_amount"]) == (
        p.pk,
        "implementing",
        "实施中",
        "50000.00",
        "50000.00",
    )
    detail = client.get(reverse("api-fund-allocation-detail", kwargs={"pk": money.pk})).json()
    assert (detail["amount"], detail["purposes"], detail["source_label"]) == (
        "88000.50",
        ["road"],
        "省级财政",
    )
    assert (
        client.post(reverse("api-fund-project-list"), {}, content_type="application/json").status_code == 405
    )


def test_a_helper_is_refused_in_the_api_error_shape(client, users):
    client.force_login(users["helper"])
    response = client.get(reverse("api-fund-project-list"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "role_cannot_read"
