"""The rules of `validation` applied a column at a time, for imports.

An import of a province cleans millions of cells. Here each rule of a `validation` rule table becomes a
few Polars expressions over the whole column (a chunk of rows), so the Python interpreter touches a
cell only twice: once to turn what the workbook reader gave into text (exactly as the per-row path
does) and once more for a cell that is wrong, to write its message with the same function the per-row
path uses. The two paths are held equal on random rows by tests/registry/test_columnar.py.

`clean(rules, labels, columns, rows)` takes the raw cells of each field (lists of what the reader
gave: str, float, int, bool, date or None) and returns the cleaned columns as a DataFrame (the same
names and values `validation.clean_*` give) and the problems as (row, Problem) in row order, and in
each row in the order the per-row path reports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import polars as pl

from fupin.core.codes import NO_WORDS, YES_WORDS, CodeList

from . import idnumber
from .validation import (
    AMOUNT,
    AMOUNT_LIMIT,
    AMOUNT_PATTERN,
    CAUSES,
    CODE,
    ID_NUMBER,
    INTEGER,
    INTEGER_PATTERN,
    MAX_YEAR,
    MIN_YEAR,
    TEXT,
    YEAR,
    YEAR_PATTERN,
    YES_NO,
    Problem,
    Rule,
    _text,
    amount_problem,
    amount_text,
    cause_problems,
    integer_problem,
    is_number,
    msg_bad_year,
    msg_control_character,
    msg_not_amount,
    msg_not_integer,
    msg_required,
    msg_too_long,
    msg_unknown_code,
    msg_yes_no,
)

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
_EPOCH = dt.date(1970, 1, 1)


# The characters Python's str.strip() removes (Polars' own whitespace lacks \x1c-\x1f).
PY_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def texts(values: Sequence[Any]) -> list[str]:
    """Each cell as the per-row path reads it (`validation._text`)."""
    return [v.strip() if type(v) is str else _text(v) for v in values]


def text_series(values: Sequence[Any]) -> pl.Series:
    """`texts(values)` as a Series; a column of text cells only is converted without Python per cell."""
    try:
        series = pl.Series(values, dtype=pl.String, strict=True)
    except TypeError:
        return pl.Series(texts(values), dtype=pl.String)
    return series.fill_null("").str.strip_chars(PY_WHITESPACE)


def _mapping(code_list: CodeList) -> dict[str, str]:
    """Text → code as `validation` resolves it: a code itself, else a label, else an alias."""
    found = dict(code_list.aliases)
    found.update({label: code for code, label in reversed(code_list.items)})
    found.update({code: code for code in code_list.codes})
    return found


class _Column:
    """One rule applied to one column: the cleaned output columns and the failing positions."""

    def __init__(self, rule: Rule, label: str, raw: Sequence[Any], text: pl.Series):
        self.rule, self.label, self.raw, self.text = rule, label, raw, text
        self.present = text != ""
        self.out: dict[str, pl.Series] = {}
        # (position, order within the cell, Problem)
        self.problems: list[tuple[int, int, Problem]] = []

    def fail(self, mask: pl.Series, code: str, message, order: int = 0) -> None:
        """`message(position, text)` is called for each failing position only."""
        texts_ = self.text
        for i in mask.fill_null(False).arg_true().to_list():
            self.problems.append((i, order, Problem(self.rule.field, code, message(i, texts_[i]))))

    def required(self) -> None:
        if self.rule.required:
            self.fail(~self.present, "required", lambda i, v: msg_required(self.label))


def _text_rule(c: _Column) -> None:
    rule = c.rule
    c.required()
    checked = c.present
    if rule.number_refused:
        numbers = pl.Series([is_number(v) for v in c.raw], dtype=pl.Boolean)
        c.fail(c.present & numbers, "id_format", lambda i, v: rule.number_refused)
        checked = c.present & ~numbers
    c.fail(
        checked & c.text.str.contains("\x00", literal=True),
        "invalid_character",
        lambda i, v: msg_control_character(c.label),
        order=1,
    )
    text = c.text.str.replace_all("\x00", "", literal=True)
    c.fail(
        checked & (text.str.len_chars() > rule.max_length),
        "too_long",
        lambda i, v: msg_too_long(c.label, rule.max_length, len(v.replace("\x00", ""))),
        order=2,
    )
    if rule.pattern:
        c.fail(
            checked & ~text.str.contains(f"^(?:{rule.pattern})$"),
            rule.pattern_code,
            lambda i, v: rule.pattern_message.format(value=v.replace("\x00", "")),
            order=3,
        )
    c.out[rule.field] = text


def _code_rule(c: _Column) -> None:
    assert c.rule.code_list is not None
    code_list = c.rule.code_list
    c.required()
    codes = c.text.replace_strict(_mapping(code_list), default=None, return_dtype=pl.String)
    c.fail(
        c.present & codes.is_null(),
        "unknown_code",
        lambda i, v: msg_unknown_code(c.label, v, code_list),
    )
    c.out[c.rule.field] = codes.fill_null("")


def _yes_no_rule(c: _Column) -> None:
    c.required()
    lower = c.text.str.to_lowercase()
    yes, no = lower.is_in(list(YES_WORDS)), lower.is_in(list(NO_WORDS))
    c.fail(c.present & ~yes & ~no, "unknown_code", lambda i, v: msg_yes_no(c.label, v))
    value = pl.select(pl.when(yes).then(True).when(no).then(False).otherwise(None)).to_series()
    c.out[c.rule.field] = value.alias(c.rule.field)


def _year_rule(c: _Column) -> None:
    c.required()
    number = c.text.cast(pl.Int64, strict=False)
    good = c.text.str.contains(f"^{YEAR_PATTERN}$") & number.is_between(MIN_YEAR, MAX_YEAR)
    good = good.fill_null(False)
    c.fail(c.present & ~good, "bad_year", lambda i, v: msg_bad_year(c.label, v))
    c.out[c.rule.field] = pl.select(pl.when(good).then(number).otherwise(None)).to_series()


def _integer_rule(c: _Column) -> None:
    rule = c.rule
    c.required()
    digits = c.text.str.contains(f"^{INTEGER_PATTERN}$")
    c.fail(c.present & ~digits, "not_a_number", lambda i, v: msg_not_integer(c.label, v))
    number = c.text.cast(pl.Int64, strict=False)
    # A number too long for 64 bits is out of range (or negative) whatever the bounds: the message
    # is written from the exact text.
    outside = digits & (number.is_null() | (number < 0) | (number > rule.high) | (number < rule.low))
    for i in outside.fill_null(False).arg_true().to_list():
        problem = integer_problem(rule, c.label, int(c.text[i]))
        if problem:
            c.problems.append((i, 1, problem))
    c.out[rule.field] = pl.select(pl.when(digits).then(number).otherwise(None)).to_series()


def _amount_rule(c: _Column) -> None:
    rule = c.rule
    c.required()
    plain = c.text.str.replace_all(",", "", literal=True)
    valid = plain.str.contains(f"^{AMOUNT_PATTERN}$")
    c.fail(c.present & ~valid, "not_a_number", lambda i, v: msg_not_amount(c.label, v))
    negative = plain.str.starts_with("-") & plain.str.contains("[1-9]")
    decimals = plain.str.contains(r"\.[0-9]{2}[0-9]*[1-9]")
    value = plain.str.strip_prefix("+").cast(pl.Decimal(38, 2), strict=False)
    large = value.is_null() | (value.abs() >= AMOUNT_LIMIT)
    for i in (c.present & valid & (negative | decimals | large)).fill_null(False).arg_true().to_list():
        problem = amount_problem(rule, c.label, Decimal(amount_text(c.text[i])))
        if problem:
            c.problems.append((i, 1, problem))
    default = None if rule.default is None else str(rule.default)
    value = pl.select(
        pl.when(~c.present)
        .then(pl.lit(default, dtype=pl.String).cast(pl.Decimal(38, 2)))
        .when(valid)
        .then(value)
        .otherwise(None)
    ).to_series()
    c.out[rule.field] = value


def _id_rule(c: _Column) -> None:
    field = c.rule.field
    c.required()
    numbers = pl.Series([is_number(v) for v in c.raw], dtype=pl.Boolean)
    number = c.text.str.replace_all(" ", "", literal=True).str.to_uppercase()
    # The per-row path normalises the raw value itself: the same text for a string cell.
    shaped = number.str.contains(r"^[0-9]{17}[0-9X]$")
    digits = [number.str.slice(k, 1).cast(pl.Int64, strict=False) for k in range(17)]
    total = pl.select(pl.sum_horizontal([d * w for d, w in zip(digits, ID_WEIGHTS, strict=True)])).to_series()
    expected = (total % 11).replace_strict(dict(enumerate(ID_CHECK)), default=None, return_dtype=pl.String)
    checksum_ok = number.str.slice(17, 1) == expected
    birth = number.str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    days = birth.cast(pl.Int64)
    today = (dt.date.today() - _EPOCH).days
    earliest = (idnumber.EARLIEST_BIRTH - _EPOCH).days
    birth_ok = days.is_between(earliest, today).fill_null(False)
    areas = number.str.slice(0, 6)
    known = areas.unique().to_list()
    known_areas = [
        a for a in known if a is not None and len(a) == 6 and a.isdigit() and idnumber._known_area(a)
    ]
    area_ok = areas.is_in(known_areas)

    live = c.present
    bad_number = live & numbers
    live = live & ~numbers
    bad_shape = live & ~shaped.fill_null(False)
    live = live & shaped.fill_null(False)
    bad_checksum = live & ~checksum_ok.fill_null(False)
    live = live & checksum_ok.fill_null(False)
    bad_birth = live & ~birth_ok
    live = live & birth_ok
    bad_area = live & ~area_ok
    good = live & area_ok
    for mask in (bad_number, bad_shape, bad_checksum, bad_birth, bad_area):
        for i in mask.fill_null(False).arg_true().to_list():
            try:
                idnumber.parse(c.raw[i])
            except idnumber.IdNumberError as exc:
                c.problems.append((i, 0, Problem(field, exc.code, exc.message)))
    c.out[field] = pl.select(pl.when(c.present & ~numbers).then(number).otherwise(c.text)).to_series()
    if field == "id_number":
        c.out["sex"] = pl.select(
            pl.when(good)
            .then(
                pl.when(number.str.slice(16, 1).cast(pl.Int64, strict=False) % 2 == 1)
                .then(pl.lit("M"))
                .otherwise(pl.lit("F"))
            )
            .otherwise(None)
        ).to_series()
        c.out["birth_date"] = pl.select(pl.when(good).then(birth).otherwise(None)).to_series()


def _causes_rule(c: _Column, main_cause: pl.Series) -> None:
    first: list[str] = [""] * len(c.text)
    second: list[str] = [""] * len(c.text)
    mains = main_cause.to_list()
    for i in c.present.arg_true().to_list():
        found, problems = cause_problems(mains[i], c.raw[i])
        c.problems += [(i, k, p) for k, p in enumerate(problems)]
        if found:
            first[i] = found[0]
        if len(found) > 1:
            second[i] = found[1]
    c.out["other_cause_1"] = pl.Series(first, dtype=pl.String)
    c.out["other_cause_2"] = pl.Series(second, dtype=pl.String)


_KINDS = {
    TEXT: _text_rule,
    CODE: _code_rule,
    YES_NO: _yes_no_rule,
    YEAR: _year_rule,
    INTEGER: _integer_rule,
    AMOUNT: _amount_rule,
    ID_NUMBER: _id_rule,
}


def clean(
    rules: Sequence[Rule],
    labels: Mapping[str, str],
    columns: Mapping[str, Sequence[Any]],
    rows: Sequence[int],
) -> tuple[pl.DataFrame, list[tuple[int, Problem]]]:
    """Clean the cells of `columns` (field → raw cells, a missing field is blank) by `rules`."""
    size = len(rows)
    out: dict[str, pl.Series] = {}
    found: list[tuple[int, int, int, Problem]] = []
    for order, rule in enumerate(rules):
        raw = columns.get(rule.field)
        if raw is None:
            raw = [None] * size
        column = _Column(rule, labels[rule.field], raw, text_series(raw))
        if rule.kind == CAUSES:
            _causes_rule(column, out.get("main_cause", pl.Series([""] * size, dtype=pl.String)))
        else:
            _KINDS[rule.kind](column)
        out.update({name: series.alias(name) for name, series in column.out.items()})
        found += [(i, order, sub, problem) for i, sub, problem in column.problems]
    found.sort(key=lambda item: (item[0], item[1], item[2]))
    frame = pl.DataFrame(list(out.values())) if out else pl.DataFrame()
    return frame.with_columns(pl.Series("row", list(rows), dtype=pl.Int64)), [
        (rows[i], problem) for i, _o, _s, problem in found
    ]
