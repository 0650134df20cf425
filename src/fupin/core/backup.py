"""Backing up and restoring the database while it is in use.

SQLite: the online backup API (a consistent copy even while the site writes), checked with
`PRAGMA integrity_check`. PostgreSQL: `pg_dump --format=custom` and `pg_restore --single-transaction`,
with the client's version checked against the server's first. A restore first saves the database it
replaces under backups/ in the data folder, then records itself in the audit trail (the head it
replaced and the head it restored) and anchors the new head.

The key files (secret.key, audit.key) are not in the backup: they are backed up separately
(docs/operations.md), so that a stolen backup cannot be used to forge the audit trail.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message (Chinese) says why and what to do."""


@dataclass(frozen=True)
class Done:
    path: Path
    size: int


def backup(out: Path) -> Done:
    """Write a backup of the live database to `out` (replaced only once the new copy is complete)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(partial)
        elif connection.vendor == "postgresql":
            _pg_dump(partial)
        else:
            raise BackupError(f"不支持的数据库：{connection.vendor}")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Done(out, out.stat().st_size)


def restore(source: Path) -> Done:
    """Replace the live database with the backup `source`; returns where the replaced one was saved."""
    from . import audit

    source = source.resolve()
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}")
    with open(source, "rb") as handle:
        magic = handle.read(16)
    vendor = connection.vendor
    if vendor == "sqlite" and not magic.startswith(SQLITE_MAGIC):
        raise BackupError(f"{source} 不是 SQLite 数据库备份（当前数据库是 SQLite）")
    if vendor == "postgresql" and not magic.startswith(PG_MAGIC):
        raise BackupError(f"{source} 不是 pg_dump 备份（当前数据库是 PostgreSQL）")
    if vendor == "sqlite":
        _check_sqlite(source)
    replaced_head = audit.head()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if vendor == "sqlite" else ".dump"
    safety = backup(Path(settings.WORK_DIR) / "backups" / f"before-restore-{stamp}{suffix}")
    if vendor == "sqlite":
        _sqlite_restore(source)
    else:
        _pg_restore(source)
    connections.close_all()
    restored_head = audit.head()
    audit.record(
        "restore",
        "core.Database",
        "",
        {
            "file": source.name,
            "replaced_head": [replaced_head.seq, replaced_head.hash] if replaced_head else None,
            "restored_head": [restored_head.seq, restored_head.hash] if restored_head else None,
            "saved_as": safety.path.name,
        },
    )
    audit.write_anchor()
    return safety


# SQLite


def _sqlite_backup(out: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(out)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    _check_sqlite(out)


def _check_sqlite(path: Path) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        has_migrations = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} 已损坏：{exc}") from exc
    finally:
        db.close()
    if result != "ok":
        raise BackupError(f"{path} 未通过完整性检查：{result}")
    if not has_migrations:
        raise BackupError(f"{path} 不是本系统的数据库")


def _sqlite_restore(source: Path) -> None:
    connection.ensure_connection()
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup_db.backup(connection.connection)
    finally:
        backup_db.close()


# PostgreSQL


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    env["PGDATABASE"] = db["NAME"]
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（Debian：apt install postgresql-client），"
            "版本不低于数据库服务器"
        )
    server = (
        connection.pg_version // 10000 if connection.pg_version >= 100000 else connection.pg_version // 100
    )
    found = re.search(
        r"(\d+)(?:\.\d+)?", subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    )
    client = int(found.group(1)) if found else 0
    if client < server:
        raise BackupError(
            f"{name} 的版本（{client}）低于数据库服务器（{server}），不能用它{'备份' if name == 'pg_dump' else '恢复'}："
            f"请安装 postgresql-client-{server}，或把 {server} 版的 {name} 放在 PATH 前面"
        )
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} 失败：{result.stderr.strip()}")


def _pg_dump(out: Path) -> None:
    connection.ensure_connection()
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out)])


def _pg_restore(source: Path) -> None:
    tool = _pg_tool("pg_restore")
    connections.close_all()
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            connection.settings_dict["NAME"],
            str(source),
        ]
    )
