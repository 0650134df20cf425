"""Parquet snapshots of the registry: export from the live database, verify, read.

A snapshot of year Y is the registry as it stood for that year, in the layout of `batch.layout` (the
layout the engine reads): households identified by Y with their status at the end of Y, every member,
incomes, village figures, designations and status changes up to Y; then the verdicts of the policy
that judges Y, computed by the engine from the snapshot's own files. `manifest.json` names the year,
kind, scope, source, policy and, for every file, its rows and SHA-256; `verify` recomputes them, and
every reader verifies before it reads, so a changed file is refused rather than evaluated.

No Django here: the caller reads the tables (`sources.read_django` / `read_adbc`, purpose "snapshot")
and records the snapshot (`fupin.policy.services.create_snapshot`). Files are written 0600: they hold
birth dates, and nothing else personal (no names, ID numbers, phones or accounts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fupin.policy.conditions import HouseholdFacts, MemberFacts
from fupin.policy.definition import Policy

from . import engine, layout
from .sources import RegistryTables

MANIFEST = "manifest.json"
VERDICTS = "verdicts"
VILLAGE_VERDICTS = "village_verdicts"
KINDS = ("baseline", "year_close", "adhoc")
CHUNK = 1 << 20


class SnapshotError(Exception):
    """A snapshot that is missing, incomplete or changed since it was written."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def manifest_digest(manifest: dict) -> str:
    """The SHA-256 of a manifest's canonical JSON (what a database record keeps to pin the snapshot)."""
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- export ----------------------------------------------------------------------------------------


def as_of_year_end(tables: RegistryTables, year: int) -> RegistryTables:
    """Households' status and exit year as at the end of `year`, from the status history: the last
    change up to the year; the status before the first change when every change is later; the current
    status when none is recorded."""
    con = duckdb.connect()
    try:
        con.register("h", tables.households)
        con.register("sc", tables.status_changes)
        shaped = con.sql(
            f"""
            WITH last AS (
              SELECT household_id, to_status FROM sc WHERE year <= {int(year)}
              QUALIFY row_number() OVER (PARTITION BY household_id ORDER BY year DESC, change_id DESC) = 1
            ), first AS (
              SELECT household_id, from_status FROM sc
              QUALIFY row_number() OVER (PARTITION BY household_id ORDER BY year, change_id) = 1
            ), exited AS (
              SELECT household_id, max(year) AS exit_year FROM sc
              WHERE to_status = 'exited' AND year <= {int(year)} GROUP BY household_id
            )
            SELECT h.* REPLACE (
              CASE WHEN f.household_id IS NULL THEN h.status
                ELSE coalesce(l.to_status, nullif(f.from_status, ''), 'registered') END AS status,
              CASE WHEN f.household_id IS NULL THEN (CASE WHEN h.exit_year <= {int(year)} THEN h.exit_year END)
                ELSE e.exit_year END AS exit_year)
            FROM h LEFT JOIN last l USING (household_id) LEFT JOIN first f USING (household_id)
              LEFT JOIN exited e USING (household_id)
            ORDER BY h.household_id"""
        ).to_arrow_table()
        changes = con.sql(f"SELECT * FROM sc WHERE year <= {int(year)} ORDER BY change_id").to_arrow_table()
    finally:
        con.close()
    tables.households = layout.conform("households", shaped)
    tables.status_changes = layout.conform("status_changes", changes)
    return tables


def _write(table: pa.Table, path: Path) -> dict[str, Any]:
    pq.write_table(table, path, compression="zstd")
    os.chmod(path, 0o600)
    return {"rows": table.num_rows, "sha256": sha256(path)}


def export(
    tables: RegistryTables,
    year: int,
    out_dir: str | Path,
    *,
    kind: str = "adhoc",
    policy: Policy | None = None,
    scope_area: str = "",
    created_by: str = "",
    source: dict[str, str] | None = None,
) -> dict:
    """Write `tables` (read with purpose "snapshot") as the snapshot of `year` into `out_dir`, which must
    be empty or new; returns the manifest (also written as manifest.json)."""
    if kind not in KINDS:
        raise SnapshotError(f"快照类型无效：{kind}（应为 {' / '.join(KINDS)}）")
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise SnapshotError(f"目录不是空的：{directory}（快照只写入新目录）")
    os.chmod(directory, 0o700)
    tables = as_of_year_end(tables, year)
    files = {}
    for name, table in tables.items():
        files[f"{name}.parquet"] = _write(table, directory / f"{name}.parquet")
    manifest: dict[str, Any] = {
        "layout_version": layout.LAYOUT_VERSION,
        "year": int(year),
        "kind": kind,
        "scope_area": scope_area,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "created_by": created_by,
        "source": source or {},
        "persons": tables.persons,
        "policy": None,
        "files": files,
    }
    if policy is not None:
        con = engine.connect()
        try:
            engine.register_snapshot(con, directory, year)
            engine.evaluate(con, policy, year)
            verdicts = engine.display(con)
            villages = engine.evaluate_villages(con, policy, year)
        finally:
            con.close()
        files[f"{VERDICTS}.parquet"] = _write(verdicts, directory / f"{VERDICTS}.parquet")
        files[f"{VILLAGE_VERDICTS}.parquet"] = _write(villages, directory / f"{VILLAGE_VERDICTS}.parquet")
        manifest["policy"] = {
            "name": policy.name,
            "reading": policy.reading,
            "file_sha256": policy_digest(policy),
        }
    path = directory / MANIFEST
    path.write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    os.chmod(path, 0o600)
    return manifest


def policy_digest(policy: Policy) -> str:
    from fupin.policy.definition import POLICY_DIR

    path = POLICY_DIR / f"{policy.name}.toml"
    return sha256(path) if path.exists() else ""


# -- verify and read -------------------------------------------------------------------------------


def verify(directory: str | Path, *, expected_digest: str | None = None) -> dict:
    """The manifest, after checking every file's SHA-256 (and the manifest's own, when a record gives it).
    Raises SnapshotError naming the first file that is missing, extra or changed."""
    directory = Path(directory)
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotError(f"快照缺少或无法读取清单 {path}：{exc}") from exc
    if expected_digest is not None and manifest_digest(manifest) != expected_digest:
        raise SnapshotError(f"快照清单已被改动：{path}")
    if manifest.get("layout_version") != layout.LAYOUT_VERSION:
        raise SnapshotError(
            f"快照格式版本 {manifest.get('layout_version')} 不受支持（应为 {layout.LAYOUT_VERSION}）"
        )
    listed = manifest.get("files", {})
    present = {p.name for p in directory.iterdir() if p.name != MANIFEST}
    extra = sorted(present - set(listed))
    if extra:
        raise SnapshotError(f"快照目录有清单以外的文件：{', '.join(extra)}")
    for name in [f"{t}.parquet" for t in layout.TABLES]:
        if name not in listed:
            raise SnapshotError(f"快照清单缺少 {name}")
    for name, entry in sorted(listed.items()):
        file = directory / name
        if not file.exists():
            raise SnapshotError(f"快照缺少文件 {name}")
        if sha256(file) != entry["sha256"]:
            raise SnapshotError(f"快照文件 {name} 的校验值不符（文件已被改动）")
    return manifest


@dataclass(frozen=True)
class Opened:
    directory: Path
    manifest: dict


_verified: dict[tuple, dict] = {}


def open_verified(directory: str | Path, *, expected_digest: str | None = None) -> Opened:
    """`verify`, once per process for files that have not changed since (size and time unchanged)."""
    directory = Path(directory)
    try:
        stamp = tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in directory.iterdir()))
    except OSError as exc:
        raise SnapshotError(f"无法读取快照目录 {directory}：{exc}") from exc
    key = (str(directory), expected_digest, stamp)
    if key not in _verified:
        _verified[key] = verify(directory, expected_digest=expected_digest)
    return Opened(directory, _verified[key])


def read_table(opened: Opened, name: str, where: str = "") -> pa.Table:
    path = str(opened.directory / f"{name}.parquet").replace("'", "''")
    con = duckdb.connect()
    try:
        return con.sql(
            f"SELECT * FROM read_parquet('{path}'){' WHERE ' + where if where else ''}"
        ).to_arrow_table()
    finally:
        con.close()


def household_facts(opened: Opened, household_id: int, year: int) -> HouseholdFacts | None:
    """One household's facts as the snapshot holds them (None if it is not in the snapshot)."""
    (household,) = read_table(opened, "households", f"household_id = {int(household_id)}").to_pylist() or [
        None
    ]
    if household is None:
        return None
    members = read_table(opened, "members", f"household_id = {int(household_id)} AND left_on IS NULL")
    (income,) = read_table(
        opened, "incomes", f"household_id = {int(household_id)} AND year = {int(year)}"
    ).to_pylist() or [None]
    disposable = None
    if income is not None:
        cents = sum(sign * income[f"{m}_cents"] for sign, m in zip(layout.SIGNS, layout.MONEY, strict=True))
        disposable = Decimal(cents).scaleb(-2)
    return HouseholdFacts(
        household_id=household["household_id"],
        household_no=household["household_no"],
        village_code=household["village_code"],
        housing_safe=bool(household["housing_safe"]),
        water_safe=bool(household["water_safe"]),
        members=tuple(
            MemberFacts(
                labour=m["labour"],
                school_status=m["school_status"],
                birth_date=m["birth_date"],
                medical_insurance=bool(m["medical_insurance"]),
                dibao=bool(m["dibao"]),
                tekun=bool(m["tekun"]),
                member_id=m["member_id"],
            )
            for m in members.sort_by("member_id").to_pylist()
        ),
        disposable=disposable,
    )
