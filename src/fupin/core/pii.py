"""Personal data, one rule: how each kind is masked, the one audited way to unmask it, and log masking.

Personal data here is an ID number, a birth date, a phone number, a bank account and the details of an
address. Whoever may not unmask (`core.roles.UNMASK_ALLOWED`), and whoever may but did not ask, gets
them masked in every page, API field, export and error message. The masks are chosen so that nothing
else the system returns completes them: the ID mask hides the birth date *and* the sequence (only the
6-digit area code and the check character stay), a birth date is shown as its year, a phone number
keeps its first three and last four digits, a bank account its last four, an address what comes
before the first digit (the village, not the house).

`reveal` is the one path to a full value: it checks the right and writes the audit entry. Pages,
edit forms, the API and exports all come through it (or `record_unmasked` for a batch the API shows).

`MaskIdNumbers` is a logging filter on every handler (settings.LOGGING): a 15- or 18-character ID
number in any log record — an access line, a request warning, an exception — is masked before it
is written.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

ID_NUMBER, BIRTH_DATE, PHONE, BANK_ACCOUNT, ADDRESS = (
    "id_number",
    "birth_date",
    "phone",
    "bank_account",
    "address",
)

# Field name → kind, for the records of every app (a model field, a serializer field, an export column).
FIELD_KINDS = {
    "id_number": ID_NUMBER,
    "head_id_number": ID_NUMBER,
    "birth_date": BIRTH_DATE,
    "phone": PHONE,
    "bank_account": BANK_ACCOUNT,
    "address": ADDRESS,
}


def mask_id(number: object) -> str:
    """441882***********1: the area code and the check character; birth date and sequence hidden."""
    text = "" if number is None else str(number).strip()
    if not text:
        return ""
    if len(text) == 18:
        return text[:6] + "*" * 11 + text[-1]
    if len(text) >= 15:  # a 15-digit number of the first generation, or a mistyped one
        return text[:6] + "*" * (len(text) - 6)
    return "*" * len(text)


def mask_phone(phone: object) -> str:
    """138****8000."""
    text = "" if phone is None else str(phone).strip()
    if len(text) < 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_account(account: object) -> str:
    """************0001: the last four digits, what a bank's own receipt shows."""
    text = "" if account is None else str(account).strip()
    if len(text) <= 4:
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]


def mask_birth_date(birth: object) -> str:
    """The year only: 1962."""
    if birth is None or birth == "":
        return ""
    if isinstance(birth, dt.date):
        return str(birth.year)
    return str(birth)[:4]


_HOUSE_DETAIL = re.compile(r"[0-9０-９一二三四五六七八九十]+\s*(?:组|号|栋|幢|单元|室|楼|巷|弄)|[0-9０-９]")


def mask_address(address: object) -> str:
    """星子镇昌黎村**** : what comes before the first house detail (number, group, building)."""
    text = "" if address is None else str(address).strip()
    if not text:
        return ""
    found = _HOUSE_DETAIL.search(text)
    kept = text[: found.start()] if found else text[: len(text) // 2]
    return kept + "****"


MASKERS = {
    ID_NUMBER: mask_id,
    BIRTH_DATE: mask_birth_date,
    PHONE: mask_phone,
    BANK_ACCOUNT: mask_account,
    ADDRESS: mask_address,
}


def mask(kind: str, value: object) -> str:
    return MASKERS[kind](value)


def mask_field(field: str, value: object) -> Any:
    """`value` masked when `field` names personal data (FIELD_KINDS), unchanged otherwise."""
    kind = FIELD_KINDS.get(field)
    return value if kind is None else MASKERS[kind](value)


def age(birth: dt.date | None, on: dt.date | None = None) -> int | None:
    if birth is None:
        return None
    today = on or dt.date.today()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# -- ID numbers inside free text (log lines, exception messages) -----------------------------------

# 18 characters: 17 digits and a digit or X; 15 digits whose 7th-12th are a date (YYMMDD).
_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:(\d{6})\d{11}([0-9Xx])|(\d{6})\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})"
    r"(?![0-9A-Za-z])"
)


def _masked_match(match: re.Match) -> str:
    if match.group(1):
        return match.group(1) + "*" * 11 + match.group(2)
    return match.group(3) + "*" * 9


def looks_like_id(text: object) -> bool:
    """Whether `text` is, as a whole, shaped like an ID number (what a search by ID number types)."""
    value = str(text or "").strip().replace(" ", "")
    return bool(_ID_IN_TEXT.fullmatch(value))


def mask_text(text: str) -> str:
    """`text` with every ID-number-shaped run of characters masked."""
    return _ID_IN_TEXT.sub(_masked_match, text) if text else text


class MaskIdNumbers(logging.Filter):
    """Masks ID numbers in the message, its arguments and the exception text of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


# -- the one audited way to a full value --------------------------------------------------------------


class UnmaskRefused(PermissionDenied):
    pass


def ensure_may_unmask(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.may_unmask:
        raise UnmaskRefused(_("您的角色不能查看完整的证件号码、出生日期、电话和账号"))


def _label(record: Any) -> str:
    return record._meta.label


def record_unmasked(
    *, actor: Any, shown: Iterable[tuple[Any, str]], via: str, detail: dict | None = None
) -> int:
    """Audit full values already shown: one entry per record, naming its fields. Returns the entries."""
    from fupin.core import audit

    fields: dict[tuple[str, Any], list[str]] = {}
    for record, field in shown:
        names = fields.setdefault((_label(record), record.pk), [])
        if field not in names:
            names.append(field)
    entries = [
        audit.Entry("unmask", label, str(pk), {"fields": names, "via": via, **(detail or {})})
        for (label, pk), names in fields.items()
    ]
    return audit.record_many(entries, actor=actor) if entries else 0


def reveal(*, actor: Any, record: Any, fields: Sequence[str], via: str, detail: dict | None = None) -> dict:
    """The full values of `fields` of `record` for `actor`, audited; UnmaskRefused without the right.

    The caller has already checked that `record` is within the actor's scope.
    """
    ensure_may_unmask(actor)
    values = {field: getattr(record, field) for field in fields}
    record_unmasked(actor=actor, shown=[(record, field) for field in fields], via=via, detail=detail)
    return values
