"""Registry snapshots: export with a manifest and checksums, verify, lock for good, and the engine
reading a closed year from its snapshot instead of the live database."""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from fupin.batch import layout, runner
from fupin.batch import snapshot as parquet
from fupin.batch.sources import Scope
from fupin.core.models import AuditEvent
from fupin.policy import services
from fupin.policy.definition import load
from fupin.policy.models import Snapshot, SnapshotLocked
from fupin.registry import services as registry

from ..conftest import VILLAGE_A, income_data

POLICY = load("guangdong-2016")


def verdicts(evaluation) -> dict[str, tuple]:
    return {
        r["household_no"]: (r["members"], r["pc_cents"], r["below_line"], r["exit_eligible"], r["unmet"])
        for r in evaluation.households.to_pylist()
    }


def test_export_writes_the_layout_a_manifest_and_checksums(town, users):
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc")
    directory = Path(record.path)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == record.manifest and record.manifest_sha256 == parquet.manifest_digest(manifest)
    assert (manifest["year"], manifest["kind"], manifest["persons"]) == (2016, "adhoc", 5)
    assert manifest["policy"]["name"] == "guangdong-2016"
    for table in layout.TABLES:
        entry = manifest["files"][f"{table}.parquet"]
        assert entry["sha256"] == parquet.sha256(directory / f"{table}.parquet")
        assert pq.read_schema(directory / f"{table}.parquet") == layout.SCHEMAS[table]
    # Nothing personal but birth dates: no names, ID numbers, phones or accounts.
    assert (
        "name" not in layout.SCHEMAS["members"].names and "id_number" not in layout.SCHEMAS["members"].names
    )
    assert oct(os.stat(directory / "members.parquet").st_mode & 0o777) == "0o600"
    assert parquet.verify(directory, expected_digest=record.manifest_sha256)["year"] == 2016
    assert AuditEvent.objects.filter(action="policy.snapshot_export").count() == 1


def test_the_engine_gives_the_same_verdicts_from_the_snapshot_as_from_the_live_database(town, users):
    live = runner.evaluate(POLICY, 2016, live=True)
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="year_close", lock=True)
    closed = runner.evaluate(POLICY, 2016)
    assert closed.source.snapshot_id == record.pk and live.source.live
    assert verdicts(closed) == verdicts(live)
    assert closed.villages.to_pylist() == live.villages.to_pylist()
    stored = pq.read_table(Path(record.path) / "verdicts.parquet").to_pylist()
    assert {r["household_no"]: r["unmet"] for r in stored} == {k: v[4] for k, v in verdicts(live).items()}


def test_a_closed_year_is_read_from_its_snapshot_not_from_later_changes(town, users):
    services.create_snapshot(actor=users["admin"], year=2016, kind="year_close", lock=True)
    poor = town["poor"]
    poor.refresh_from_db()
    registry.set_income(
        actor=users["admin"],
        household=poor,
        data=income_data(2016, wages="30000", business_income="0", business_cost="0", transfer_income="0"),
        expected_version=poor.incomes.get(year=2016).version,
    )
    closed = verdicts(runner.evaluate(POLICY, 2016))
    live = verdicts(runner.evaluate(POLICY, 2016, live=True))
    assert closed["H-POOR"][2] is True and live["H-POOR"][2] is False
    # The scope of the snapshot: a village's evaluation reads the same snapshot, filtered.
    village = runner.evaluate(POLICY, 2016, Scope(area=VILLAGE_A))
    assert set(verdicts(village)) == {"H-POOR", "H-RICH"} and not village.source.live


def test_status_is_as_at_the_end_of_the_snapshot_year(town, users):
    exited = town["exited"]  # exited in 2016
    exited.refresh_from_db()
    registry.change_status(
        actor=users["admin"],
        household=exited,
        to_status="returned",
        year=2017,
        reason="返贫",
        expected_version=exited.version,
    )
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc")
    households = {
        r["household_no"]: r for r in pq.read_table(Path(record.path) / "households.parquet").to_pylist()
    }
    assert (households["H-EXIT"]["status"], households["H-EXIT"]["exit_year"]) == ("exited", 2016)
    assert households["H-POOR"]["status"] == "registered"
    changes = pq.read_table(Path(record.path) / "status_changes.parquet").to_pylist()
    assert all(c["year"] <= 2016 for c in changes) and any(c["to_status"] == "exited" for c in changes)


def test_households_identified_after_the_year_are_not_in_it(town, users, make_household):
    make_household(VILLAGE_A, household_no="H-LATE", identified_year="2018", incomes=(2018,))
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc")
    numbers = pq.read_table(Path(record.path) / "households.parquet")["household_no"].to_pylist()
    assert "H-LATE" not in numbers and "H-POOR" in numbers


def test_a_changed_file_is_refused(town, users):
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="year_close")
    path = Path(record.path) / "incomes.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(1), path)
    with pytest.raises(parquet.SnapshotError, match="incomes.parquet"):
        parquet.verify(record.path, expected_digest=record.manifest_sha256)
    with pytest.raises(parquet.SnapshotError):
        services.lock_snapshot(actor=users["admin"], snapshot=record)


def test_a_changed_manifest_is_refused(town, users):
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc")
    path = Path(record.path) / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["persons"] = 3608
    path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(parquet.SnapshotError, match="清单"):
        parquet.verify(record.path, expected_digest=record.manifest_sha256)


def test_a_locked_snapshot_can_never_change(town, users):
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="year_close", lock=True)
    assert record.locked and record.locked_by == users["admin"]
    assert all(p.stat().st_mode & 0o222 == 0 for p in Path(record.path).iterdir())
    record.year = 2017
    with pytest.raises(SnapshotLocked):
        record.save()
    with pytest.raises(SnapshotLocked):
        record.delete()
    with pytest.raises(SnapshotLocked):
        Snapshot.objects.filter(pk=record.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Snapshot.objects.filter(pk=record.pk).update(year=2017)  # the database's own trigger
    with pytest.raises(SnapshotLocked):
        services.lock_snapshot(actor=users["admin"], snapshot=Snapshot.objects.get(pk=record.pk))
    with pytest.raises(services.SnapshotRefused, match="已有锁定"):
        services.create_snapshot(actor=users["admin"], year=2016, kind="year_close")
    record.refresh_from_db()
    assert (record.year, record.locked) == (2016, True)
    # An unlocked snapshot of another kind is still free to be taken.
    assert services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc").locked is False


@pytest.mark.parametrize(
    ("user", "area", "allowed"),
    [("admin", "", True), ("town", "", False), ("town", "441882101", True), ("cadre", "441882101", False)],
)
def test_who_may_take_a_snapshot(town, users, user, area, allowed):
    if allowed:
        assert services.create_snapshot(actor=users[user], year=2016, kind="adhoc", area=area).area == area
    else:
        with pytest.raises(services.SnapshotRefused):
            services.create_snapshot(actor=users[user], year=2016, kind="adhoc", area=area)


def test_snapshot_command_exports_verifies_and_locks(town, tmp_path):
    out = io.StringIO()
    call_command("snapshot", "export", "--year", "2016", str(tmp_path / "s2016"), stdout=out)
    record = Snapshot.objects.get()
    assert "已导出快照" in out.getvalue() and Path(record.path) == (tmp_path / "s2016").resolve()
    call_command("snapshot", "verify", str(record.pk), stdout=io.StringIO())
    call_command("snapshot", "lock", str(record.pk), stdout=io.StringIO())
    assert Snapshot.objects.get().locked
    with pytest.raises(CommandError, match="不是空的"):
        call_command("snapshot", "export", "--year", "2016", str(tmp_path / "s2016"), stdout=io.StringIO())


def test_money_in_the_snapshot_is_exact_cents(town, users):
    record = services.create_snapshot(actor=users["admin"], year=2016, kind="adhoc")
    incomes = pq.read_table(Path(record.path) / "incomes.parquet").to_pylist()
    poor = next(i for i in incomes if i["household_id"] == town["poor"].pk)
    assert poor["wages_cents"] == 300000
    facts = parquet.household_facts(parquet.open_verified(record.path), town["poor"].pk, 2016)
    assert facts.disposable == Decimal("3000.00") and len(facts.members) == 2
