"""Chinese is the source language; the English catalogue of every app must be complete.

For each app, the strings gettext would extract today (makemessages on a copy of the app) must all
have a non-empty, non-fuzzy English translation in the committed catalogue.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "fupin"
APPS = sorted(p for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """msgid → (msgstr, fuzzy) of a .po file (no plural forms are used in this project)."""
    entries: dict[str, tuple[str, bool]] = {}
    msgid = msgstr = None
    target = None
    fuzzy = False

    def flush() -> None:
        if msgid:
            entries[msgid] = (msgstr or "", fuzzy)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            flush()
            msgid = msgstr = None
            fuzzy = "fuzzy" in line
        elif line.startswith("msgid "):
            if msgstr is not None:
                flush()
                fuzzy = fuzzy if msgstr is None else False
            msgid, msgstr, target = ast.literal_eval(line[6:]), None, "id"
        elif line.startswith("msgstr "):
            msgstr, target = ast.literal_eval(line[7:]), "str"
        elif line.startswith('"'):
            if target == "id":
                msgid = (msgid or "") + ast.literal_eval(line)
            elif target == "str":
                msgstr = (msgstr or "") + ast.literal_eval(line)
        elif not line:
            flush()
            msgid = msgstr = None
            target = None
            fuzzy = False
    flush()
    return entries


def extracted(app: Path, tmp_path: Path) -> set[str]:
    # -P: the app's own selectors.py must not shadow the standard library's selectors module.
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("locale", "__pycache__", "static", "migrations"))
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, "-P", "-m", "fupin.cli", "makemessages", "-l", "en", "--no-location", "-v0"],
        cwd=copy,
        check=True,
    )
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    return set(parse_po(po)) if po.exists() else set()


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are installed by `make test`")
@pytest.mark.parametrize("app", APPS, ids=[a.name for a in APPS])
def test_english_catalogue_is_complete(app: Path, tmp_path: Path) -> None:
    wanted = extracted(app, tmp_path)
    committed_path = app / "locale" / "en" / "LC_MESSAGES" / "django.po"
    committed = parse_po(committed_path) if committed_path.exists() else {}
    missing = sorted(m for m in wanted if m not in committed)
    untranslated = sorted(m for m in wanted if m in committed and (not committed[m][0] or committed[m][1]))
    assert not missing, f"{app.name}: strings not in the English catalogue: {missing[:10]}"
    assert not untranslated, f"{app.name}: strings without English translation: {untranslated[:10]}"


def test_parse_po_reads_multiline_and_fuzzy(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "贫困户"\nmsgstr "Poor household"\n\n'
        '#, fuzzy\nmsgid "村"\nmsgstr "Town"\n\nmsgid ""\n"长"\n"文本"\nmsgstr ""\n"Long "\n"text"\n',
        encoding="utf-8",
    )
    entries = parse_po(po)
    assert entries["贫困户"] == ("Poor household", False)
    assert entries["村"] == ("Town", True)
    assert entries["长文本"] == ("Long text", False)
