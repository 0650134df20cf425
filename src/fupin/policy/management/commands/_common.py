"""Shared options and output of the policy commands (CSV with a header row, booleans true/false)."""

from __future__ import annotations

import io
import json
from decimal import Decimal

from django.core.management.base import CommandError

from fupin.batch.sources import Scope
from fupin.core import audit, csvsafe
from fupin.policy import definition
from fupin.policy.definition import PolicyError


def add_common(parser, *, year: bool = True) -> None:
    if year:
        parser.add_argument("--year", type=int, required=True, help="评估年度")
    parser.add_argument(
        "--policy", help=f"政策名称（默认：该年度适用的政策；可用：{', '.join(definition.available())}）"
    )
    parser.add_argument("--format", choices=["table", "csv", "json"], default="table")
    parser.add_argument("--out", help="写入文件而不是标准输出")
    parser.add_argument("--area", help="只评估该区划代码下的户（如镇 441882101）")


def policy_for(name: str | None, year: int | None) -> definition.Policy:
    try:
        if name:
            return definition.load(name)
        if year is not None:
            return definition.for_year(year)
        loaded = [definition.load(n) for n in definition.available()]
        return max(loaded, key=lambda p: p.effective_from)
    except PolicyError as exc:
        raise CommandError(str(exc)) from exc


def scope_for(area: str | None) -> Scope | None:
    if not area:
        return None
    try:
        return Scope(area=area)
    except ValueError as exc:
        raise CommandError(f"区划代码无效：{area}") from exc


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def json_value(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def render(rows: list[dict], columns: list[str], fmt: str) -> str:
    if fmt == "json":
        data = [{c: json_value(r[c]) for c in columns} for r in rows]
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csvsafe.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            # Numbers stay numbers (a negative change is not a formula); text cells are escaped.
            writer.writerow([r[c] if csvsafe.is_number(r[c]) else cell(r[c]) for c in columns])
        return buffer.getvalue()
    table = [columns] + [[cell(r[c]) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "".join(
        "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n" for line in table
    )


def emit(command, text: str, out: str | None, *, action: str, detail: dict) -> None:
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        audit.record(action, "policy", detail.get("policy", ""), {**detail, "out": out})
    else:
        command.stdout.write(text, ending="")


def describe(command, policy: definition.Policy, year: int, source) -> None:
    """On standard error (standard output keeps its columns): which policy and reading judged the year,
    and where its facts came from."""
    judged = "只按识别标准" if policy.thresholds(year).identification_only else "识别与脱贫"
    facts = (
        "当前登记库"
        if source.live
        else f"{source.year} 年度锁定快照（{source.created_at} 生成，编号 {source.snapshot_id}）"
    )
    command.stderr.write(
        f"{year} 年：政策 {policy.name}（{policy.reading or policy.title}，{judged}）；事实来源：{facts}"
    )
