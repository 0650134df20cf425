"""Every change to a user account is in the audit chain, whichever path made it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from fupin.core import audit
from fupin.core.models import AuditEvent
from fupin.core.roles import Role

from ..conftest import PASSWORD, TOWN, VILLAGE_A, VILLAGE_B

pytestmark = pytest.mark.django_db


def entries(user) -> list[tuple[str, str, dict]]:
    return [
        (e.action, e.actor_name, e.detail)
        for e in AuditEvent.objects.filter(object_type="core.User", object_id=str(user.pk)).order_by("seq")
    ]


def test_creation_role_area_privileges_and_deactivation_are_recorded(users, areas):
    admin = users["admin"]
    token = audit.current_actor.set(admin)
    try:
        user = get_user_model().objects.create_user(
            username="newcadre", password=PASSWORD, role=Role.VILLAGE_CADRE, area_id=VILLAGE_A
        )
        user.role = Role.TOWN_OFFICE
        user.area_id = TOWN
        user.save()
        user.area_id = VILLAGE_B
        user.save()
        user.is_staff = True
        user.save()
        user.is_active = False
        user.save()
        user.is_active = True
        user.full_name = "李四"
        user.save()
    finally:
        audit.current_actor.reset(token)
    got = entries(user)
    assert [action for action, _, _ in got] == [
        "user_create",
        "user_role",
        "user_area",
        "user_area",
        "user_privileges",
        "user_deactivate",
        "user_activate",
        "user_update",
    ]
    assert all(actor == "admin" for _, actor, _ in got)
    assert got[0][2] == {
        "username": "newcadre",
        "role": Role.VILLAGE_CADRE,
        "area": VILLAGE_A,
        "is_active": True,
        "is_staff": False,
    }
    assert got[1][2]["role"] == {"from": Role.VILLAGE_CADRE, "to": Role.TOWN_OFFICE}
    assert got[3][2]["area"] == {"from": TOWN, "to": VILLAGE_B}
    assert got[-1][2]["fields"] == ["full_name"]
    assert audit.verify().ok


def test_a_login_is_not_an_account_change(users):
    before = AuditEvent.objects.count()
    assert Client().post("/accounts/login/", {"username": "cadre", "password": PASSWORD}).status_code == 302
    assert [a for a, _, _ in entries(users["cadre"])][-1] == "login"
    assert AuditEvent.objects.count() == before + 1


def test_own_password_change_and_a_reset_by_someone_else_are_told_apart(users):
    user = users["cadre"]
    token = audit.current_actor.set(user)
    try:
        user.set_password("A-new-password-2017")
        user.save()
    finally:
        audit.current_actor.reset(token)
    reset_target = get_user_model().objects.get(pk=user.pk)  # loaded afresh, as the admin's form does
    token = audit.current_actor.set(users["admin"])
    try:
        reset_target.set_password("Reset-by-the-admin-2017")
        reset_target.save()
    finally:
        audit.current_actor.reset(token)
    got = entries(user)
    assert [(a, who) for a, who, _ in got][-2:] == [("password_change", "cadre"), ("password_reset", "admin")]
    assert "pbkdf2" not in str(got) and "md5" not in str(got)  # never the hash


def test_changes_made_in_the_django_admin_are_recorded(users):
    admin = users["admin"]
    admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    target = users["cadre"]
    response = client.post(
        f"/admin/core/user/{target.pk}/password/",
        {"password1": "Reset-by-the-admin-2017", "password2": "Reset-by-the-admin-2017"},
    )
    assert response.status_code == 302
    got = entries(target)
    assert (got[-1][0], got[-1][1]) == ("password_reset", "admin")


def test_deleting_a_user_is_recorded_and_their_entries_still_verify(users):
    user = users["evaluator"]
    audit.record("test", "x", "1", actor=user)
    pk = user.pk
    user.delete()
    assert AuditEvent.objects.filter(action="user_delete", object_id=str(pk)).exists()
    assert AuditEvent.objects.get(action="test").actor_id == pk  # kept as written: it is hashed
    assert audit.verify().ok
