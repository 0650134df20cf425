"""Ages at a reference day, and age bands as birth-date ranges.

Every age the system shows or judges (school age, labour age, pension age, a member's age on a page or
in a register) is counted in completed years at the policy's reference day of the year in question
(e.g. 31 August 2016), never at today's date: a girl of 11 in 2016 is 11 on the 2016 page, whatever
the calendar says now (DOMAIN.md §3 rule R10).

The explanation counts ages (`age_on`); the bulk engine compares birth dates with the band's range
(`AgeBand.born`), which needs no per-member arithmetic. The property test holds the two equal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def age_on(birth: dt.date, day: dt.date) -> int:
    """Completed years on `day` (a birthday on 29 February counts from 1 March in common years)."""
    return day.year - birth.year - ((birth.month, birth.day) > (day.month, day.day))


def _years_before(day: dt.date, years: int) -> dt.date:
    """The latest birth date that makes someone `years` old on `day` (`day` is never 29 February)."""
    return day.replace(year=day.year - years)


@dataclass(frozen=True)
class AgeBand:
    """Ages from `low` to `high` (completed years); `low_exclusive` reads "over low" (the platform's
    "over 6 and up to 15"); `high` None means no upper bound."""

    low: int
    high: int | None = None
    low_exclusive: bool = False

    def contains(self, birth: dt.date, day: dt.date) -> bool:
        age = age_on(birth, day)
        above = age > self.low if self.low_exclusive else age >= self.low
        return above and (self.high is None or age <= self.high)

    def born(self, day: dt.date) -> tuple[dt.date | None, dt.date]:
        """(after, by): in the band on `day` exactly when after < birth ≤ by (after None: no bound)."""
        youngest = self.low + 1 if self.low_exclusive else self.low
        by = _years_before(day, youngest)
        after = None if self.high is None else _years_before(day, self.high + 1)
        return after, by

    def describe(self) -> str:
        low = f">{self.low}" if self.low_exclusive else f"≥{self.low}"
        return low if self.high is None else f"{low}, ≤{self.high}"
