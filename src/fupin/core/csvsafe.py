"""CSV that a spreadsheet opens as data, never as formulas (OWASP, "CSV Injection").

A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by
Excel and WPS when the file is opened: a village named `=HYPERLINK(...)` would become a live link.
Such a cell is written with a leading apostrophe, which the spreadsheet shows as text and hides.
Numbers (int, Decimal, float) are written as they are, so a negative amount stays a number. Every CSV
the system writes goes through `writer` (or `escape` for a single cell).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(value: Any) -> Any:
    """A text cell made inert; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose rows have every text cell escaped."""

    def __init__(self, handle: TextIO, **kwargs: Any):
        self._writer = csv.writer(handle, **kwargs)

    def writerow(self, row: list[Any]) -> Any:
        return self._writer.writerow([escape(value) for value in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def writer(handle: TextIO, **kwargs: Any) -> SafeWriter:
    return SafeWriter(handle, **kwargs)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)
