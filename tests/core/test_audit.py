"""The hash-chained audit trail: what writes to it, and `fupin audit verify` catching tampering."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from io import StringIO

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
    [
        ("object_id", "999"),
        ("actor_name", "someone-else"),
        ("action", "login"),
        ("detail", '{"i": 99}'),
        ("at", "2016-01-01 00:00:00"),
    ],
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
    assert f"第 {ids[3]} 号记录序号不连续" in str(failure.value)


def test_changing_the_actor_id_alone_is_detected(users):
    AuditEvent.objects.all().delete()
    audit.record("test", "x", "1", actor=users["cadre"])
    event = AuditEvent.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET actor_id = %s WHERE id = %s", [users["town"].pk, event.id])
    assert audit.verify().reason == "content"


def test_rewriting_an_entry_and_every_later_hash_without_the_key_is_detected(settings):
    ids = _chain_of(5)
    events = list(AuditEvent.objects.order_by("seq"))
    # The forger recomputes every hash from the changed entry on, consistently linked, with the only
    # thing they lack guessed: the key.
    real_key = settings.FUPIN_AUDIT_KEY
    settings.FUPIN_AUDIT_KEY = "a-guess-at-the-key-that-is-long-enough"
    events[1].object_id = "forged"
    prev = events[0].hash
    for event in events[1:]:
        event.prev_hash = prev
        event.hash = audit.hash_of(event)
        prev = event.hash
    AuditEvent.objects.bulk_update(events[1:], ["object_id", "prev_hash", "hash"])
    settings.FUPIN_AUDIT_KEY = real_key
    result = audit.verify()
    assert (result.ok, result.broken_id, result.reason) == (False, ids[1], "content")


def test_verify_prints_the_head_and_anchor_writes_it(tmp_path):
    _chain_of(3)
    last = AuditEvent.objects.order_by("seq").last()
    anchor_file = tmp_path / "anchor.jsonl"
    out = StringIO()
    call_command("audit", "anchor", str(anchor_file), stdout=out)
    assert f"序号 3，哈希 {last.hash}" in out.getvalue()
    assert json.loads(anchor_file.read_text().splitlines()[-1])["hash"] == last.hash
    out = StringIO()
    call_command("audit", "verify", str(anchor_file), stdout=out)
    assert f"链头：序号 3，哈希 {last.hash}" in out.getvalue()
    assert "与锚点一致：序号 3" in out.getvalue()


def test_deleting_the_newest_entries_is_detected_against_the_anchor(tmp_path):
    _chain_of(5)
    anchor_file = tmp_path / "anchor.jsonl"
    call_command("audit", "anchor", str(anchor_file), stdout=StringIO())
    newest = list(AuditEvent.objects.order_by("-seq").values_list("id", flat=True)[:2])
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM core_auditevent WHERE id IN ({newest[0]}, {newest[1]})")
    assert audit.verify().ok  # the chain alone cannot tell …
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", str(anchor_file), stdout=StringIO())
    # … the anchor can.
    assert "锚点记下的第 5 条记录已不存在（链只到第 3 条）" in str(failure.value)


def test_an_anchor_taken_under_another_key_is_reported(tmp_path, settings):
    _chain_of(2)
    anchor_file = tmp_path / "anchor.jsonl"
    call_command("audit", "anchor", str(anchor_file), stdout=StringIO())
    settings.FUPIN_AUDIT_KEY = "another-key-entirely-another-key-entirely"
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", str(anchor_file), stdout=StringIO())
    assert "内容被修改（或审计密钥不对）" in str(failure.value)


def _legacy_chain(n: int) -> list[AuditEvent]:
    """Entries as the first release wrote them: plain SHA-256, no sequence or actor id in the hash."""
    AuditEvent.objects.all().delete()
    prev, events = audit.GENESIS, []
    at = datetime.now(UTC)
    for i in range(n):
        event = AuditEvent(seq=i + 1, at=at, actor_name="system", action="test", object_id=str(i), detail={})
        event.prev_hash = prev
        event.hash = audit.legacy_hash(event)
        prev = event.hash
        events.append(event)
    AuditEvent.objects.bulk_create(events)
    return events


def test_a_legacy_chain_is_reported_and_rehashed_with_the_key(tmp_path):
    _legacy_chain(4)
    assert audit.verify().reason == "legacy"
    with pytest.raises(CommandError) as failure:
        verify_output()
    assert "fupin audit rehash" in str(failure.value)
    anchor_file = tmp_path / "anchor.jsonl"
    out = StringIO()
    call_command("audit", "rehash", str(anchor_file), stdout=out)
    assert "重新计算 4 条记录" in out.getvalue()
    result = audit.verify()
    assert result.ok and result.checked == 5  # and the rehash itself is on the chain
    assert AuditEvent.objects.order_by("seq").last().action == "audit_rehash"
    assert audit.check_anchor(audit.last_anchor(anchor_file)) == ""


def test_rehash_refuses_a_legacy_chain_that_was_tampered_with():
    events = _legacy_chain(4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_id = 'x' WHERE id = %s", [events[1].id])
    with pytest.raises(CommandError) as failure:
        call_command("audit", "rehash", stdout=StringIO())
    assert f"第 {events[1].id} 号记录与旧哈希和新哈希都不符" in str(failure.value)
    assert AuditEvent.objects.get(id=events[2].id).hash == events[2].hash  # nothing re-signed


def test_two_record_many_batches_chain_on_to_each_other(users):
    AuditEvent.objects.all().delete()
    assert audit.record_many([audit.Entry("test", "x", str(i)) for i in range(3)], actor=users["town"]) == 3
    assert audit.record_many([audit.Entry("test", "y", str(i)) for i in range(2)]) == 2
    events = list(AuditEvent.objects.order_by("id"))
    assert events[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert len({e.hash for e in events}) == 5
    assert [e.actor_name for e in events] == ["town"] * 3 + ["system"] * 2
    result = audit.verify()
    assert (result.ok, result.checked, result.head) == (True, 5, audit.Head(5, events[-1].hash))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]


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
