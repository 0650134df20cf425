"""Every write of monitoring: loading a list, running the rules, deciding on a finding, the interchange keys.

Each takes the acting user (None: the operator of a command), checks what the user may do, writes in one
transaction and records it in the audit trail. Nothing here writes to the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fupin.core import audit, uploads

from . import config as monitoring_config
from . import lists as list_reader
from . import permissions, rules
from .columns import LIST_SOURCES
from .models import ExternalList, ExternalRecord, Finding, InterchangeSystem, ListKind

RECORD_FIELDS = (
    "row",
    "name",
    "id_number",
    "id_valid",
    "birth_date",
    "place",
    "category",
    "detail",
    "amount",
    "event_date",
)


@dataclass
class LoadResult:
    external_list: ExternalList
    created: bool
    skipped: list[dict] = field(default_factory=list)


def _check_area(actor, area_code: str) -> str:
    if actor is None or actor.is_admin:
        return area_code
    mine = actor.area_id or ""
    if not mine:
        raise PermissionDenied
    if not area_code:
        return mine
    if not area_code.startswith(mine):
        raise PermissionDenied
    return area_code


def load_file(
    *, actor, kind: str, path: Path, list_date: dt.date | None = None, source: str = "", area_code: str = ""
) -> LoadResult:
    """Load a department list from a CSV/xlsx/xls file (checked by core.uploads first)."""
    path = Path(path)
    try:
        file_kind = uploads.check_path(path, kinds={"xlsx", "xls", "csv"})
    except uploads.UploadRefused as exc:
        raise list_reader.ListRefused(exc.code, exc.message) from exc
    data = path.read_bytes()
    parsed_rows = list_reader.file_rows(path, file_kind)
    return load_rows(
        actor=actor,
        kind=kind,
        rows=parsed_rows,
        checksum=list_reader.checksum(data),
        file_name=path.name,
        list_date=list_date,
        source=source,
        area_code=area_code,
    )


def load_rows(
    *,
    actor,
    kind: str,
    rows: Iterable[list],
    checksum: str,
    file_name: str = "",
    list_date: dt.date | None = None,
    source: str = "",
    area_code: str = "",
    system: InterchangeSystem | None = None,
) -> LoadResult:
    """Store a list given as rows (header first). A list whose checksum is already stored for the kind is
    that list: nothing changes. Raises ListRefused (missing column, not a list) with nothing stored."""
    if kind not in ListKind.values:
        raise list_reader.ListRefused("kind", _("未知的名单类型：%(kind)s") % {"kind": kind})
    if not permissions.may_load(actor, kind):
        raise PermissionDenied
    area_code = area_code if system else _check_area(actor, area_code)
    existing = ExternalList.objects.filter(kind=kind, checksum=checksum).first()
    if existing is not None:
        return LoadResult(existing, False, existing.skipped)
    parsed = list_reader.parse_rows(kind, rows)
    with transaction.atomic():
        external = ExternalList.objects.create(
            kind=kind,
            list_date=list_date or timezone.localdate(),
            source=(source or str(LIST_SOURCES[kind]))[:100],
            file_name=file_name[:200],
            checksum=checksum,
            loaded_by=actor,
            area_code=area_code,
            system=system,
            rows_read=parsed.rows_read,
            rows_loaded=len(parsed.records),
            skipped=parsed.skipped,
        )
        ExternalRecord.objects.bulk_create(
            [
                ExternalRecord(external_list=external, **{f: r[f] for f in RECORD_FIELDS})
                for r in parsed.records
            ],
            batch_size=2000,
        )
        audit.record(
            "monitoring_list_load",
            "monitoring.ExternalList",
            external.pk,
            {
                "kind": kind,
                "list_date": external.list_date,
                "source": external.source,
                "file": external.file_name,
                "checksum": checksum,
                "rows_loaded": external.rows_loaded,
                "rows_skipped": len(parsed.skipped),
                "system": system.code if system else "",
            },
            actor=actor,
        )
    return LoadResult(external, True, parsed.skipped)


def latest_lists() -> dict[str, ExternalList]:
    latest: dict[str, ExternalList] = {}
    for external in ExternalList.objects.order_by("kind", "-list_date", "-id"):
        latest.setdefault(external.kind, external)
    return latest


def _list_inputs(latest: dict[str, ExternalList]) -> dict[str, tuple[dict, list[dict]]]:
    inputs = {}
    for kind, external in latest.items():
        records = []
        for r in external.records.all().values("id", *RECORD_FIELDS):
            r["id_raw"] = r["id_number"]
            r["id_number"] = r["id_number"] if r["id_valid"] else ""
            records.append(r)
        fields = {
            "id": external.pk,
            "list_date": external.list_date,
            "label": f"{external.get_kind_display()}（{external.list_date:%Y-%m-%d}）",
            "area_code": external.area_code,
        }
        inputs[kind] = (fields, records)
    return inputs


@dataclass
class RunResult:
    found: int = 0
    created: int = 0
    reopened: int = 0
    closed: int = 0
    kept_dismissed: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)


def run(*, actor, area: str | None = None) -> RunResult:
    """Run every rule on the latest list of each kind and bring the findings up to date:
    a new problem opens a finding; one still there keeps its decision — a dismissed one reopens only when
    its evidence changed; a finding no longer found closes itself (已整改)."""
    if not permissions.may_run(actor):
        raise PermissionDenied
    if actor is not None and not actor.is_admin:
        area = actor.area_id or None
        if area is None:
            raise PermissionDenied
    conf = monitoring_config.load()
    members, households = rules.read_registry(connection, area)
    found = rules.evaluate(
        config=conf,
        members=members,
        households=households,
        lists=_list_inputs(latest_lists()),
        default_area=area or "",
    )
    if area:
        found = [f for f in found if f["area_code"].startswith(area)]
    unique: dict[str, dict] = {}
    for f in found:
        unique.setdefault(f["key"], f)
    result = RunResult(found=len(unique))
    now = timezone.now()
    with transaction.atomic():
        existing = Finding.objects.all()
        if area:
            existing = existing.filter(area_code__startswith=area)
        current = {f.key: f for f in existing.exclude(status=Finding.Status.CLOSED)}
        closed_keys = set(
            existing.filter(status=Finding.Status.CLOSED, key__in=list(unique)).values_list("key", flat=True)
        )
        to_create, to_update = [], []
        for key, f in unique.items():
            result.by_rule[f["rule"]] = result.by_rule.get(f["rule"], 0) + 1
            digest = rules.evidence_hash(f["rule"], f["evidence"])
            old = current.pop(key, None)
            if old is None and key in closed_keys:
                old = Finding.objects.get(key=key)
                old.status, old.closed_at, old.reason = Finding.Status.OPEN, None, _("问题再次出现")
                result.reopened += 1
            if old is None:
                to_create.append(
                    Finding(
                        **{
                            k: f[k]
                            for k in (
                                "rule",
                                "key",
                                "area_code",
                                "household_no",
                                "name",
                                "id_number",
                                "detail",
                                "score",
                                "evidence",
                            )
                        },
                        household_id=f["household_id"],
                        member_id=f["member_id"],
                        evidence_hash=digest,
                        first_seen=now,
                        last_seen=now,
                    )
                )
                continue
            if old.status == Finding.Status.DISMISSED:
                if old.decided_hash == digest:
                    result.kept_dismissed += 1
                else:
                    old.status, old.reason = Finding.Status.OPEN, _("证据已变化，重新核实")
                    result.reopened += 1
            for k in ("area_code", "household_no", "name", "id_number", "detail", "score", "evidence"):
                setattr(old, k, f[k])
            old.evidence_hash, old.last_seen = digest, now
            to_update.append(old)
        Finding.objects.bulk_create(to_create, batch_size=1000)
        result.created = len(to_create)
        Finding.objects.bulk_update(
            to_update,
            [
                "area_code",
                "household_no",
                "name",
                "id_number",
                "detail",
                "score",
                "evidence",
                "evidence_hash",
                "last_seen",
                "status",
                "reason",
                "closed_at",
            ],
            batch_size=1000,
        )
        gone = [f.pk for f in current.values()]
        result.closed = Finding.objects.filter(pk__in=gone).update(
            status=Finding.Status.CLOSED, closed_at=now, last_seen=now
        )
        audit.record(
            "monitoring_run",
            "monitoring.Finding",
            "",
            {
                "area": area or "",
                "found": result.found,
                "created": result.created,
                "reopened": result.reopened,
                "closed": result.closed,
                "by_rule": result.by_rule,
            },
            actor=actor,
        )
    return result


def decide(*, actor, finding: Finding, decision: str, reason: str) -> Finding:
    """Confirm (the problem is real: the village fixes the registry) or dismiss (not a problem) a finding."""
    from fupin.core.scope import area_filter

    if not permissions.may_decide(actor):
        raise PermissionDenied
    condition = area_filter(actor, "area_code")
    if condition is not None and not Finding.objects.filter(condition, pk=finding.pk).exists():
        raise PermissionDenied
    reason = (reason or "").strip()
    if decision not in ("confirm", "dismiss"):
        raise ValidationError({"decision": _("处理方式应为确认或排除")})
    if decision == "dismiss" and not reason:
        raise ValidationError({"reason": _("排除时请写明理由")})
    if finding.status == Finding.Status.CLOSED:
        raise ValidationError({"decision": _("该问题已整改关闭，无需处理")})
    with transaction.atomic():
        finding.status = Finding.Status.CONFIRMED if decision == "confirm" else Finding.Status.DISMISSED
        finding.reason = reason[:300]
        finding.decided_by = actor
        finding.decided_at = timezone.now()
        finding.decided_hash = finding.evidence_hash
        finding.save(update_fields=["status", "reason", "decided_by", "decided_at", "decided_hash"])
        audit.record(
            f"monitoring_{decision}",
            "monitoring.Finding",
            finding.pk,
            {"rule": finding.rule, "household_no": finding.household_no, "reason": finding.reason},
            actor=actor,
        )
    return finding


# -- interchange systems --------------------------------------------------------------------------------


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_system(*, actor, code: str, name: str, area) -> tuple[InterchangeSystem, str]:
    """A new system with its key; the key is returned once and only its SHA-256 is kept."""
    if actor is not None and not actor.is_admin:
        raise PermissionDenied
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise ValidationError({"code": _("请填写系统代码和名称")})
    if InterchangeSystem.objects.filter(code=code).exists():
        raise ValidationError({"code": _("系统代码已存在")})
    key = "mz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        system = InterchangeSystem.objects.create(
            code=code, name=name, area=area, key_prefix=key[:8], key_hash=key_digest(key), created_by=actor
        )
        audit.record(
            "interchange_key_create",
            "monitoring.InterchangeSystem",
            system.pk,
            {"code": code, "area": area.code, "prefix": system.key_prefix},
            actor=actor,
        )
    return system, key


def revoke_system(*, actor, system: InterchangeSystem) -> None:
    if actor is not None and not actor.is_admin:
        raise PermissionDenied
    with transaction.atomic():
        system.revoked_at = timezone.now()
        system.save(update_fields=["revoked_at"])
        audit.record(
            "interchange_key_revoke",
            "monitoring.InterchangeSystem",
            system.pk,
            {"code": system.code},
            actor=actor,
        )
