"""ID numbers as other departments write them: normalised before any comparison.

Full-width digits and letters (１２３…, ｘ) become ASCII, every kind of space goes, a lower-case x becomes
X, and a 15-digit number of the first generation is upgraded to 18 digits (century 19 inserted, check
character computed, GB 11643-1999 §附录). The result is valid only when the registry's own checks pass
(`fupin.registry.idnumber.parse`: shape, check character, birth date, area).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import ric

from fupin.registry import idnumber

_SHAPE18 = re.compile(r"[0-9]{17}[0-9X]")
_SHAPE15 = re.compile(r"[0-9]{15}")


@dataclass(frozen=True)
class NormalisedId:
    number: str  # the 18-character form, or what was given (cleaned) when it cannot be made one
    valid: bool
    code: str = ""  # why not valid: id_missing, id_format, id_checksum, id_birthdate
    upgraded: bool = False

    @property
    def birth_date(self) -> dt.date | None:
        """The birth date the digits carry, even when the check character is wrong."""
        if not _SHAPE18.fullmatch(self.number):
            return None
        try:
            return dt.date(int(self.number[6:10]), int(self.number[10:12]), int(self.number[12:14]))
        except ValueError:
            return None


def clean(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()).replace("-", "").upper()


def upgrade15(number: str) -> str:
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def normalise(raw: object) -> NormalisedId:
    number = clean(raw)
    if not number:
        return NormalisedId("", False, "id_missing")
    upgraded = False
    if _SHAPE15.fullmatch(number):
        number = upgrade15(number)
        upgraded = True
    if not _SHAPE18.fullmatch(number):
        return NormalisedId(number[:18], False, "id_format")
    try:
        idnumber.parse(number)
    except idnumber.IdNumberError as exc:
        return NormalisedId(number, False, exc.code, upgraded)
    return NormalisedId(number, True, "", upgraded)
