"""The write path of the policy app: registry snapshots (`Snapshot`) are created and locked here.

`create_snapshot` reads the registry of a year (through Django's connection inside the web process
or a transaction; through ADBC in a command's own process), writes it as Parquet with a manifest of
SHA-256 checksums (`fupin.batch.snapshot.export`), records it, and locks it on request. A locked
snapshot is never changed again: `lock_snapshot` makes its files read-only and pins the manifest's
digest; the record refuses updates and deletes (see `models.Snapshot`).

The procedures app closes a year with `create_snapshot(actor=…, year=…, kind="year_close", lock=True)`;
from then on the batch engine and the pages read that year from the snapshot (`batch.runner`).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from fupin.batch import snapshot as parquet
from fupin.batch.runner import registry_tables
from fupin.batch.sources import Scope
from fupin.core import audit
from fupin.core.models import User

from .definition import Policy, PolicyError, for_year
from .models import Snapshot, SnapshotLocked


class SnapshotRefused(Exception):
    """A snapshot the actor may not take, or one that would replace a locked snapshot."""


def _check_actor(actor: User | None, area: str) -> None:
    """None is the system (a command run on the server). A user needs the whole scope in their area;
    a snapshot of the whole registry is for the administrator."""
    if actor is None or actor.is_admin:
        return
    if not (actor.is_active and actor.manages_households and actor.area_id):
        raise SnapshotRefused("您的角色不能生成或锁定登记快照")
    if not area or not area.startswith(actor.area_id):
        raise SnapshotRefused("只能为本人所属区域生成或锁定登记快照")


def snapshot_root() -> Path:
    return Path(settings.FUPIN_SNAPSHOT_DIR)


def _default_policy(year: int) -> Policy | None:
    try:
        return for_year(year)
    except PolicyError:
        return None


def create_snapshot(
    *,
    actor: User | None,
    year: int,
    kind: str,
    area: str = "",
    lock: bool = False,
    policy: Policy | None = None,
    out_dir: str | Path | None = None,
    own_process: bool = False,
) -> Snapshot:
    """Export the registry of `year` (of `area`, or all of it) as a Parquet snapshot and record it.

    The verdicts of `policy` (default: the policy that judges the year, if any) go with it. A locked
    baseline or year close of the same year and scope refuses a second one.
    """
    if kind not in parquet.KINDS:
        raise SnapshotRefused(f"快照类型无效：{kind}")
    if area:
        Scope(area=area)  # validates the code
    _check_actor(actor, area)
    if (
        kind in ("baseline", "year_close")
        and Snapshot.objects.filter(kind=kind, year=year, area=area, locked=True).exists()
    ):
        raise SnapshotRefused(f"{year} 年已有锁定的{dict(Snapshot.KINDS)[kind]}快照，不能再生成")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    directory = Path(out_dir) if out_dir else snapshot_root() / f"{kind}-{year}-{area or 'all'}-{stamp}"
    policy = policy if policy is not None else _default_policy(year)
    tables = registry_tables(
        year, Scope(area=area) if area else None, purpose="snapshot", own_process=own_process
    )
    manifest = parquet.export(
        tables,
        year,
        directory,
        kind=kind,
        policy=policy,
        scope_area=area,
        created_by=actor.username if actor else "system",
        source={"vendor": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]},
    )
    try:
        with transaction.atomic():
            record = Snapshot.objects.create(
                year=year,
                kind=kind,
                area=area,
                path=str(directory.resolve()),
                manifest=manifest,
                manifest_sha256=parquet.manifest_digest(manifest),
                created_by=actor,
            )
            audit.record(
                "policy.snapshot_export",
                "policy.Snapshot",
                record.pk,
                {"year": year, "kind": kind, "area": area, "persons": manifest["persons"]},
                actor=actor,
            )
            if lock:
                lock_snapshot(actor=actor, snapshot=record)
    except Exception:
        if not out_dir:
            shutil.rmtree(directory, ignore_errors=True)
        raise
    return record


@transaction.atomic
def lock_snapshot(*, actor: User | None, snapshot: Snapshot) -> Snapshot:
    """Lock a snapshot for good: its files are checked against the manifest, then made read-only."""
    _check_actor(actor, snapshot.area)
    if Snapshot.objects.filter(pk=snapshot.pk, locked=True).exists():
        raise SnapshotLocked(f"快照 {snapshot.audit_label()} 已锁定")
    if (
        snapshot.kind in ("baseline", "year_close")
        and Snapshot.objects.filter(
            kind=snapshot.kind, year=snapshot.year, area=snapshot.area, locked=True
        ).exists()
    ):
        raise SnapshotRefused(f"{snapshot.year} 年已有锁定的{snapshot.get_kind_display()}快照")
    directory = Path(snapshot.path)
    parquet.verify(directory, expected_digest=snapshot.manifest_sha256)
    for path in directory.iterdir():
        os.chmod(path, 0o444)
    snapshot.locked = True
    snapshot.locked_by = actor
    snapshot.locked_at = timezone.now()
    snapshot.save()
    return snapshot
