"""The 民政 interchange: another department's system pushes its 低保/特困 roll and asks the registry's status
of the people it names. Authenticated by the system's own key (`Authorization: Interchange <key>`; only
its SHA-256 is stored), limited to the system's area. Every call — accepted or refused — is written to
the audit trail and to the exchange history (`Exchange`).

Refused: no or unknown key (401), a revoked key (401), a key used on another system's address (403), a
status query naming a person registered outside the system's area (403, nothing answered).
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils.translation import gettext as _

from fupin.core import audit, pii
from fupin.registry.models import Member

from .models import Exchange, InterchangeSystem

MAX_IDS = 1000
MAX_ROWS = 200_000


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def find_system(key: str) -> InterchangeSystem | None:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return InterchangeSystem.objects.select_related("area").filter(key_hash=digest).first()


def log(
    system: InterchangeSystem | None, action: str, outcome: str, count: int = 0, detail: str = ""
) -> None:
    with transaction.atomic():
        Exchange.objects.create(
            system=system, action=action, outcome=outcome, count=count, detail=detail[:300]
        )
        audit.record(
            "interchange_" + ("refused" if outcome != "ok" else action),
            "monitoring.InterchangeSystem",
            system.pk if system else "",
            {
                "system": system.code if system else "",
                "action": action,
                "outcome": outcome,
                "count": count,
                "detail": detail[:300],
            },
        )


def check_system(system: InterchangeSystem | None, code: str, action: str) -> InterchangeSystem:
    if system is None:
        log(None, action, "unknown_key", detail=code[:40])
        raise Refused(401, "invalid_key", _("对接密钥无效"))
    if not system.active:
        log(system, action, "revoked_key")
        raise Refused(401, "revoked_key", _("对接密钥已撤销"))
    if system.code != code:
        log(system, action, "other_system", detail=code[:40])
        raise Refused(403, "other_system", _("该密钥不属于此对接系统"))
    return system


def status_of(system: InterchangeSystem, numbers: list[str]) -> list[dict]:
    """The registry's status of each person (only what the exchange needs). A person registered outside the
    system's area refuses the whole query."""
    from . import ids

    clean = [ids.normalise(n).number or ids.clean(n) for n in numbers]
    members = Member.objects.filter(id_number__in=clean, left_on__isnull=True).select_related("household")
    found = {m.id_number: m for m in members}
    outside = [n for n, m in found.items() if not m.household.village_id.startswith(system.area_id)]
    if outside:
        log(system, "status", "outside_scope", len(numbers), "、".join(pii.mask_id(n) for n in outside[:5]))
        raise Refused(403, "outside_scope", _("查询的人员中有不在本系统对接区域内的，已拒绝"))
    results = []
    for raw, number in zip(numbers, clean, strict=True):
        m = found.get(number)
        results.append(
            {
                "id_number": raw,
                "registered": m is not None,
                "household_status": m.household.status if m else None,
                "attribute": m.household.attribute if m else None,
                "dibao": m.dibao if m else None,
                "tekun": bool(m.tekun) if m else None,
            }
        )
    log(system, "status", "ok", len(numbers))
    return results
