"""The append-only, keyed, hash-chained audit trail.

`record` appends one entry; `record_many` appends a batch in one insert (imports). Each entry has a
sequence number (1, 2, 3, … without gaps) and an HMAC-SHA256 over every one of its fields — sequence,
previous hash, time, actor id and name, action, object, detail — keyed with the audit key, which lives
outside the database (settings.FUPIN_AUDIT_KEY: FUPIN_AUDIT_KEY or the file audit.key in the data
folder). So:
- a changed field breaks that entry's hash (`verify` says which);
- a deleted entry breaks the sequence and the link of the next one;
- rewriting later hashes to cover a change needs the key;
- deleting the newest entries leaves an intact but shorter chain: `anchor` writes the head (sequence
  and hash) to a file outside the database, and `verify` checks the chain still holds that head.

Chains written before the key (plain SHA-256, no sequence in the hash) verify as "legacy" until
`fupin audit rehash` checks them with the old rule and re-signs them with the key.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

GENESIS = "0" * 64
_CHAIN_LOCK_KEY = 7_140_226  # any constant: serialises appends on PostgreSQL
ANCHOR_FILE = "audit-anchors.jsonl"

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


def _payload(items: list) -> bytes:
    return json.dumps(items, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _key() -> bytes:
    return settings.FUPIN_AUDIT_KEY.encode("utf-8")


def key_id() -> str:
    """A short fingerprint of the audit key (not the key), written into anchors to spot a wrong key."""
    return hmac.new(_key(), b"fupin-audit-key-id", hashlib.sha256).hexdigest()[:12]


def compute_hash(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict,
) -> str:
    payload = _payload(
        [
            seq,
            prev_hash,
            at.astimezone(UTC).isoformat(),
            actor_id,
            actor_name,
            action,
            object_type,
            object_id,
            detail,
        ]
    )
    return hmac.new(_key(), payload, hashlib.sha256).hexdigest()


def legacy_hash(event: Any) -> str:
    """The hash entries had before the key (plain SHA-256, no sequence, no actor id)."""
    payload = _payload(
        [
            event.prev_hash,
            event.at.astimezone(UTC).isoformat(),
            event.actor_name,
            event.action,
            event.object_type,
            event.object_id,
            event.detail,
        ]
    )
    return hashlib.sha256(payload).hexdigest()


def hash_of(event: Any) -> str:
    """The keyed hash an entry should carry, from its stored fields."""
    return compute_hash(
        seq=event.seq,
        prev_hash=event.prev_hash,
        at=event.at,
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        detail=event.detail,
    )


def _actor(actor: Any) -> tuple[Any, str]:
    user = actor if actor is not None else current_actor.get()
    if user is None or not getattr(user, "is_authenticated", False):
        return None, "system" if user is None else "anonymous"
    return user, user.get_username()


def _lock_chain() -> tuple[int, str]:
    """Serialise appenders; the head's (sequence, hash) to chain on to."""
    from .models import AuditEvent

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return last or (0, GENESIS)


def record_many(entries: Iterable[Entry], *, actor: Any = None) -> int:
    """Append entries to the chain in one transaction; returns how many were written."""
    from .models import AuditEvent

    user, actor_name = _actor(actor)
    actor_id = user.pk if user is not None else None
    at = datetime.now(UTC)
    with transaction.atomic():
        seq, prev = _lock_chain()
        rows = []
        for entry in entries:
            seq += 1
            event = AuditEvent(
                seq=seq,
                at=at,
                actor_id=actor_id,
                actor_name=actor_name,
                action=entry.action,
                object_type=entry.object_type,
                object_id=str(entry.object_id),
                detail=_normalise(entry.detail),
                prev_hash=prev,
            )
            event.hash = hash_of(event)
            rows.append(event)
            prev = event.hash
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
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""  # content | link | sequence | legacy
    head: Head | None = None


def _events() -> Iterator[Any]:
    from .models import AuditEvent

    last = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:5000])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify() -> VerifyResult:
    """Walk the chain from the start; the first entry that does not hold, or the head if all do."""
    prev, seq, checked = GENESIS, 0, 0
    for event in _events():
        if event.seq != seq + 1:
            return VerifyResult(False, checked, event.id, "sequence")
        if event.prev_hash != prev:
            return VerifyResult(False, checked, event.id, "link")
        if hash_of(event) != event.hash:
            reason = "legacy" if legacy_hash(event) == event.hash else "content"
            return VerifyResult(False, checked, event.id, reason)
        prev, seq = event.hash, event.seq
        checked += 1
    return VerifyResult(True, checked, head=Head(seq, prev) if checked else None)


def head() -> Head | None:
    from .models import AuditEvent

    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return Head(*last) if last else None


# Anchors: the head written to a file outside the database, one JSON line per anchor.


def default_anchor_path() -> Path:
    return Path(settings.WORK_DIR) / ANCHOR_FILE


def write_anchor(path: Path | None = None) -> Head | None:
    """Append the current head to the anchor file; returns it (None for an empty chain)."""
    current = head()
    if current is None:
        return None
    path = path or default_anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    line = {"seq": current.seq, "hash": current.hash, "at": datetime.now(UTC).isoformat(), "key": key_id()}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")
    return current


def last_anchor(path: Path | None = None) -> dict | None:
    path = path or default_anchor_path()
    if not path.exists():
        return None
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return json.loads(lines[-1]) if lines else None


def check_anchor(anchor: dict) -> str:
    """'' if the chain still holds the anchored head; else why not (missing | different | key)."""
    from .models import AuditEvent

    if anchor.get("key") and anchor["key"] != key_id():
        return "key"
    stored = AuditEvent.objects.filter(seq=anchor["seq"]).values_list("hash", flat=True).first()
    if stored is None:
        return "missing"
    return "" if stored == anchor["hash"] else "different"


# Moving an old chain to the keyed hash.


def rehash() -> tuple[int, str]:
    """Re-sign every entry with the key, after checking each still matches its old or new hash.

    Returns (entries re-signed, old head hash). Raises ValueError naming the first broken entry:
    a chain tampered with before the upgrade is not laundered by re-signing it.
    """
    from .models import AuditEvent

    with transaction.atomic():
        _lock_chain()
        prev_old, prev_new, seq, count, batch = GENESIS, GENESIS, 0, 0, []
        for event in _events():
            if event.seq != seq + 1 or event.prev_hash != prev_old:
                raise ValueError(event.id)
            if event.hash not in (legacy_hash(event), hash_of(event)):
                raise ValueError(event.id)
            prev_old = event.hash
            event.prev_hash = prev_new
            event.hash = hash_of(event)
            prev_new, seq = event.hash, event.seq
            batch.append(event)
            count += 1
            if len(batch) >= 2000:
                AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
                batch = []
        AuditEvent.objects.bulk_update(batch, ["prev_hash", "hash"])
    return count, prev_old
