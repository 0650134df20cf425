"""The `<id:…>` path converter: a whole number a database column can hold.

Django's `<int:…>` takes any run of digits, and `?`/path values like 99999999999999999999 then fail
inside the database driver (500). `<id:…>` takes at most 18 digits, so a longer number matches no
URL (404) and every number that does reach a query fits a 64-bit integer column. Every URL of the
project uses it (`tests/core/test_inputs.py` checks).
"""

from __future__ import annotations


class IdConverter:
    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
