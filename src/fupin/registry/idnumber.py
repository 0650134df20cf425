"""公民身份号码 (GB 11643-1999): validation and the facts the number carries.

The check character comes from python-stdnum. The area must be a county code GB/T 2260 has ever
had (abolished codes stay valid on old numbers, and numbers issued after a county was renamed carry
the new code whatever the birth year, so stdnum's birth-year test of the area is too strict here).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric

_LOCATIONS = numdb.get("cn/loc")
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")  # ASCII digits only: str.isdigit() also takes ² and ٣
EARLIEST_BIRTH = dt.date(1890, 1, 1)


class IdNumberError(ValueError):
    """An invalid ID number; `code` is the stable error code of the import report."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdFacts:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    area_code: str


def normalise(raw: object) -> str:
    return str(raw or "").strip().replace(" ", "").upper()


# Cached: the numdb lookup costs ~70 µs and an import checks a million numbers from a few hundred areas.
@functools.lru_cache(maxsize=8192)
def _known_area(code: str) -> bool:
    parts = _LOCATIONS.info(code)
    return any("county" in info for _part, info in parts)


def parse(raw: object, *, today: dt.date | None = None) -> IdFacts:
    """Validate an 18-character ID number and return what it says; raises IdNumberError."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise IdNumberError(
            "id_format",
            "证件号码被存成了数字，末几位可能已丢失：请把该列设为文本格式后重新输入完整的18位号码",
        )
    number = normalise(raw)
    if not _SHAPE.fullmatch(number):
        raise IdNumberError(
            "id_format",
            f"证件号码“{number}”格式不对：应为18位，前17位是数字，最后一位是数字或X（不接受15位旧号码）",
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise IdNumberError(
            "id_checksum", f"证件号码“{number}”校验码错误：最后一位应为{expected}，请核对号码是否抄错"
        )
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    today = today or dt.date.today()
    if birth is None or birth > today or birth < EARLIEST_BIRTH:
        raise IdNumberError(
            "id_birthdate", f"证件号码“{number}”中的出生日期{number[6:14]}不存在或晚于今天，请核对第7至14位"
        )
    if not _known_area(number[:6]):
        raise IdNumberError("id_format", f"证件号码“{number}”的前6位地区码{number[:6]}不是有效的行政区划代码")
    return IdFacts(
        number=number, birth_date=birth, sex="M" if int(number[16]) % 2 else "F", area_code=number[:6]
    )
