"""The hash-chained audit trail: what writes to it, and `fupin audit verify` catching tampering."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import Client

from fupin.core import audit
from fupin.core.models import AuditEvent
from fupin.registry import services
from fupin.registry.models import Income

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db


def actions() -> list[tuple[str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "object_type"))


def verify_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_registry_creates_updates_and_deletes_are_audited(make_household, users):
    AuditEvent.objects.all().delete()
    household = make_household(members=2, incomes=(2016,))
    assert actions() == [
        ("create", "areas.Area"),  # the village group 一组, created on first use
        ("create", "registry.Household"),
        ("create", "registry.Member"),
        ("create", "registry.Member"),
        ("create", "registry.Income"),
        ("create", "registry.StatusChange"),
    ]
    member = household.members.get(relation="spouse")
    services.update_member(
        actor=users["admin"],
        member=member,
        data={
            **{f: getattr(member, f) for f in ("name", "id_number", "relation", "school_status")},
            "health": "长期慢性病",
            "labour": "ordinary",
            "medical_insurance": True,
            "dibao": True,
        },
        expected_version=1,
    )
    update = AuditEvent.objects.filter(action="update", object_type="registry.Member").get()
    assert update.object_id == str(member.pk)
    assert {"health", "dibao"} <= set(update.detail["fields"])
    assert "version" not in update.detail["fields"]
    income = Income.objects.get(household=household)
    income_pk = income.pk
    income.delete()
    deleted = AuditEvent.objects.filter(action="delete").get()
    assert (deleted.object_type, deleted.object_id, deleted.detail["label"]) == (
        "registry.Income",
        str(income_pk),
        f"{household.pk}:2016",
    )
    assert audit.verify().ok


def test_logins_failed_logins_and_logouts_are_audited(users):
    client = Client()
    response = client.post("/accounts/login/", {"username": "cadre", "password": "not-the-password"})
    assert response.status_code == 200  # the form again, with an error
    failed = AuditEvent.objects.get(action="login_failed")
    assert failed.detail["username"] == "cadre"
    assert failed.detail["ip"] == "127.0.0.1"
    assert "not-the-password" not in str(failed.detail)
    response = client.post("/accounts/login/", {"username": "cadre", "password": PASSWORD})
    assert response.status_code == 302
    login = AuditEvent.objects.get(action="login")
    assert (login.actor_name, login.object_id) == ("cadre", str(users["cadre"].pk))
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="logout", actor_name="cadre").count() == 1
    assert audit.verify().ok


def test_verify_passes_on_an_intact_chain(make_household):
    make_household()
    audit.record("export", "registry.Household", "", {"rows": 1})
    total = AuditEvent.objects.count()
    assert f"共 {total} 条记录" in verify_output()


def _chain_of(n: int) -> list[int]:
    AuditEvent.objects.all().delete()
    audit.record_many([audit.Entry("test", "x", str(i), {"i": i}) for i in range(n)])
    return list(AuditEvent.objects.order_by("id").values_list("id", flat=True))


@pytest.mark.parametrize(
    ("column", "value"),
    [("object_id", "999"), ("actor_name", "someone-else"), ("action", "login"), ("detail", '{"i": 99}')],
)
def test_verify_names_the_entry_whose_content_was_changed_by_raw_sql(column, value):
    ids = _chain_of(5)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE core_auditevent SET {column} = %s WHERE id = %s", [value, ids[2]])
    with pytest.raises(CommandError) as failure:
        verify_output()
    assert f"第 {ids[2]} 号记录内容被修改" in str(failure.value)
    assert "此前 2 条完好" in str(failure.value)


def test_verify_names_the_entry_after_one_deleted_in_the_middle_by_raw_sql():
    ids = _chain_of(5)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [ids[2]])
    with pytest.raises(CommandError) as failure:
        verify_output()
    assert f"第 {ids[3]} 号记录链接断开" in str(failure.value)


def test_rewriting_an_entry_with_a_fresh_hash_still_breaks_the_link():
    ids = _chain_of(4)
    event = AuditEvent.objects.get(id=ids[1])
    forged = audit.compute_hash(
        prev_hash=event.prev_hash,
        at=event.at,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id="forged",
        detail=event.detail,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET object_id = %s, hash = %s WHERE id = %s", ["forged", forged, ids[1]]
        )
    result = audit.verify()
    assert (result.ok, result.broken_id, result.reason) == (False, ids[2], "link")


def test_two_record_many_batches_chain_on_to_each_other(users):
    AuditEvent.objects.all().delete()
    assert audit.record_many([audit.Entry("test", "x", str(i)) for i in range(3)], actor=users["town"]) == 3
    assert audit.record_many([audit.Entry("test", "y", str(i)) for i in range(2)]) == 2
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert len({e.hash for e in events}) == 5
    assert [e.actor_name for e in events] == ["town"] * 3 + ["system"] * 2
    assert audit.verify() == audit.VerifyResult(True, 5)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises writers itself; the lock is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_batches_on_postgresql_keep_one_chain():
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(n: int) -> None:
        try:
            start.wait()
            for batch in range(5):
                audit.record_many([audit.Entry("test", f"w{n}", f"{batch}.{i}") for i in range(20)])
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    result = audit.verify()
    assert result.ok, result
    assert AuditEvent.objects.filter(action="test").count() == 4 * 5 * 20


def test_django_admin_is_for_the_admin_role_only(users):
    for name in ("town", "leader", "auditor"):
        user = users[name]
        user.is_staff = user.is_superuser = True
        user.save()
        client = Client()
        client.force_login(user)
        for path in ("/admin/", "/admin/registry/household/", "/admin/core/auditevent/"):
            response = client.get(path)
            assert response.status_code == 302, (name, path)
            assert response["Location"].startswith("/admin/login/")
    client = Client()
    client.force_login(users["admin"])
    assert client.get("/admin/").status_code == 200
    inactive = users["admin"]
    inactive.is_active = False
    inactive.save()
    assert client.get("/admin/").status_code == 302


def test_audit_entries_cannot_be_changed_in_the_admin(users):
    audit.record("test", "x", "1")
    event = AuditEvent.objects.get(action="test")
    users["admin"].is_superuser = True  # every model permission: only the admin class itself refuses
    users["admin"].save()
    client = Client()
    client.force_login(users["admin"])
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    assert client.get(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "changed"})
    event.refresh_from_db()
    assert event.action == "test"
    assert client.get("/admin/core/auditevent/add/").status_code == 403
