"""The append-only, hash-chained audit trail.

`record` appends one entry; `record_many` appends a batch in one insert (imports); `verify` walks the
chain and reports the first entry whose stored hash or link no longer matches its content.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_140_226  # any constant: serialises appends on PostgreSQL

current_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("fupin_actor", default=None)


@dataclass(frozen=True)
class Entry:
    action: str
    object_type: str = ""
    object_id: str = ""
    detail: dict | None = None


def _normalise(detail: dict | None) -> dict:
    # Store exactly what is hashed: Decimals, dates and the like become JSON strings first.
    return json.loads(json.dumps(detail or {}, cls=DjangoJSONEncoder, ensure_ascii=False))


def compute_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict,
) -> str:
    payload = json.dumps(
        [prev_hash, at.astimezone(UTC).isoformat(), actor_name, action, object_type, object_id, detail],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _actor(actor: Any) -> tuple[Any, str]:
    user = actor if actor is not None else current_actor.get()
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "system" if user is None else "anonymous"
    return user, user.get_username()


def _lock_chain() -> str:
    from .models import AuditEvent

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    return last or GENESIS


def record_many(entries: Iterable[Entry], *, actor: Any = None) -> int:
    """Append entries to the chain in one transaction; returns how many were written."""
    from .models import AuditEvent

    user, actor_name = _actor(actor)
    at = datetime.now(UTC)
    with transaction.atomic():
        prev = _lock_chain()
        rows = []
        for entry in entries:
            detail = _normalise(entry.detail)
            digest = compute_hash(
                prev_hash=prev,
                at=at,
                actor_name=actor_name,
                action=entry.action,
                object_type=entry.object_type,
                object_id=str(entry.object_id),
                detail=detail,
            )
            rows.append(
                AuditEvent(
                    at=at,
                    actor=user,
                    actor_name=actor_name,
                    action=entry.action,
                    object_type=entry.object_type,
                    object_id=str(entry.object_id),
                    detail=detail,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        AuditEvent.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def record(
    action: str,
    object_type: str = "",
    object_id: object = "",
    detail: dict | None = None,
    *,
    actor: Any = None,
) -> None:
    record_many([Entry(action, object_type, str(object_id), detail)], actor=actor)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def _events() -> Iterator[Any]:
    from .models import AuditEvent

    last_id = 0
    while True:
        batch = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:5000])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id


def verify() -> VerifyResult:
    prev = GENESIS
    checked = 0
    for event in _events():
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.id, "link")
        expected = compute_hash(
            prev_hash=event.prev_hash,
            at=event.at,
            actor_name=event.actor_name,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
        )
        if expected != event.hash:
            return VerifyResult(False, checked, event.id, "content")
        prev = event.hash
        checked += 1
    return VerifyResult(True, checked)
