"""`fupin backup` and `fupin restore`: a verified round trip on the database the tests run on
(SQLite's online backup API, or pg_dump/pg_restore on PostgreSQL)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fupin.core import audit
from fupin.core.models import AuditEvent
from fupin.registry.models import Household, Member

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def state() -> tuple:
    return (
        sorted(Household.objects.values_list("household_no", "phone", "version")),
        sorted(Member.objects.values_list("id_number", "name")),
        audit.head(),
    )


@pytest.fixture
def work(settings, tmp_path):
    settings.WORK_DIR = tmp_path
    return tmp_path


def test_backup_change_restore_gives_back_the_backed_up_data(work, make_household, users):
    first = make_household()
    before = state()
    out = io.StringIO()
    call_command("backup", str(work / "fupin.backup"), stdout=out)
    assert "已备份到" in out.getvalue() and "secret.key" in out.getvalue()

    first.phone = "13999999999"
    first.save()
    make_household()
    assert state() != before

    out = io.StringIO()
    call_command("restore", str(work / "fupin.backup"), "--yes", stdout=out)
    assert state()[:2] == before[:2]
    # The restore is on the chain, after the restored head, with the head it replaced; it is anchored.
    last = AuditEvent.objects.order_by("seq").last()
    assert last.action == "restore" and last.seq == before[2].seq + 1
    assert last.detail["restored_head"] == [before[2].seq, before[2].hash]
    assert last.detail["replaced_head"][0] > before[2].seq
    assert audit.verify().ok
    assert audit.check_anchor(audit.last_anchor()) == ""
    saved = list((work / "backups").iterdir())
    assert len(saved) == 1 and saved[0].name.startswith("before-restore-")
    assert "原来的数据库另存为" in out.getvalue()


def test_a_file_that_is_not_a_backup_is_refused(work, users):
    bogus = work / "notes.backup"
    bogus.write_text("not a database")
    with pytest.raises(CommandError, match="备份"):
        call_command("restore", str(bogus), "--yes", stdout=io.StringIO())
    assert not (work / "backups").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump's version check")
def test_an_older_pg_dump_than_the_server_is_refused_clearly(work, users, monkeypatch, tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    (fake / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    with pytest.raises(CommandError) as failure:
        call_command("backup", str(work / "x.dump"), stdout=io.StringIO())
    assert "pg_dump 的版本（9）低于数据库服务器" in str(failure.value)
    assert "postgresql-client-" in str(failure.value)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump")
def test_pg_dump_missing_is_said_clearly(work, users, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(CommandError, match="找不到 pg_dump"):
        call_command("backup", str(work / "x.dump"), stdout=io.StringIO())
