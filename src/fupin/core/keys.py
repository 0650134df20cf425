"""Keys kept outside the database and outside the source: the session signing key and the audit key.

Each comes from its environment variable when set; otherwise from a file in the data folder
(FUPIN_WORK_DIR), generated once with a random value and readable by its owner only (mode 600 on
Debian; on Windows the file inherits the folder's permissions, see docs/operations.md). Imported by
settings.py, so it uses nothing from Django.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Literal

Source = Literal["env", "file", "generated"]


def load_or_create(path: Path) -> tuple[str, bool]:
    """The key stored at `path`, created with a fresh random value if there is none; (key, created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _read(path), False
    except FileNotFoundError:
        pass
    # Written whole under another name, then linked into place: two processes starting together
    # (fupin serve and its worker) agree on one key, and no one reads a half-written file.
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48) + "\n")
    try:
        os.link(temp, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        temp.unlink()
    return _read(path), created


def _read(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ValueError(f"{path}: key shorter than 32 characters")
    return key


def key_from(variable: str, path: Path) -> tuple[str, Source]:
    """The key from the environment variable if set, else from (or newly into) the file."""
    value = os.environ.get(variable, "").strip()
    if value:
        return value, "env"
    key, created = load_or_create(path)
    if created:
        # Whichever command ran first (usually `fupin migrate`) says so once; `fupin serve` says where.
        print(
            f"已生成新的随机密钥 {path}（仅本账户可读）；请另行备份，见 docs/operations.md", file=sys.stderr
        )
    return key, "generated" if created else "file"
