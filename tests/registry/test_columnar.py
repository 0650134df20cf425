"""The bulk (column-wise) validation of an import equals the per-row validation of the forms: the
same cleaned values and the same problems — codes and Chinese messages — on random rows, most of
them wrong in some way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from fupin.core import codes
from fupin.registry import columnar
from fupin.registry import validation as v


def _id_numbers() -> st.SearchStrategy:
    def build(area: str, born: dt.date, serial: int, tamper: int) -> str:
        base = f"{area}{born:%Y%m%d}{serial:03d}"
        number = base + ric.calc_check_digit(base + "0")
        if tamper == 1:  # a wrong check character
            number = number[:17] + ("0" if number[17] != "0" else "1")
        elif tamper == 2:  # a date that does not exist
            number = number[:10] + "1340" + number[14:]
        elif tamper == 3:
            number = number.lower()
        elif tamper == 4:
            number = " " + number[:9] + " " + number[9:]
        return number

    return st.builds(
        build,
        st.sampled_from(["441882", "440000", "999999", "110101"]),
        st.dates(dt.date(1880, 1, 1), dt.date(2030, 1, 1)),
        st.integers(0, 999),
        st.integers(0, 6),
    )


def _labels(code_list: codes.CodeList) -> st.SearchStrategy:
    return st.sampled_from(
        [*code_list.labels, *code_list.codes, *code_list.aliases, f" {code_list.labels[0]} ", "不存在的值"]
    )


NOISE = st.one_of(
    st.none(),
    st.just(""),
    st.just("  "),
    st.text(max_size=8),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**20), 10**20),
    st.booleans(),
    st.dates(),
)
NUMBERS = st.one_of(
    st.integers(-20, 3000).map(str),
    st.integers(-20, 3000).map(float),
    st.decimals(-(10**13), 10**13, places=3, allow_nan=False).map(str),
    st.sampled_from(["1,000.50", "+5", ".5", "5.", "-0.00", "0.001", "12.30", "1e3", "١٢", "２０１６"]),
    st.floats(-1e6, 1e6),
)


def _cell(rule: v.Rule) -> st.SearchStrategy:
    if rule.kind == v.CODE:
        good = _labels(rule.code_list)
    elif rule.kind == v.YES_NO:
        good = st.sampled_from(["是", "否", "Y", "n", "1", "0", 1.0, 0.0, True, "有", "无", "2", "TRUE"])
    elif rule.kind in (v.YEAR, v.INTEGER, v.AMOUNT):
        good = NUMBERS
    elif rule.kind == v.ID_NUMBER:
        good = st.one_of(_id_numbers(), st.floats(1e17, 9e17))
    elif rule.kind == v.CAUSES:
        good = st.lists(_labels(codes.POVERTY_CAUSE), max_size=4).map("、".join)
    elif rule.pattern:
        good = st.one_of(
            st.from_regex(rule.pattern, fullmatch=True), st.integers(0, 10**19), st.just("12 34-5")
        )
    else:
        good = st.text(max_size=rule.max_length + 3)
    return st.one_of(good, good, good, NOISE)


def _rows(rules: tuple[v.Rule, ...]) -> st.SearchStrategy:
    return st.lists(
        st.fixed_dictionaries({rule.field: _cell(rule) for rule in rules}), min_size=1, max_size=12
    )


def _same(rules, labels, rows) -> None:
    columns = {rule.field: [row[rule.field] for row in rows] for rule in rules}
    numbers = list(range(2, len(rows) + 2))
    frame, problems = columnar.clean(rules, labels, columns, numbers)
    bulk_rows = frame.to_dicts()
    expected_problems = []
    for number, raw, bulk in zip(numbers, rows, bulk_rows, strict=True):
        out, found = v.clean_with(rules, labels, raw)
        expected_problems += [(number, p) for p in found]
        failed = {p.field for p in found} | ({"other_cause_1", "other_cause_2"} & set())
        for name, value in out.items():
            if name in failed or (name in ("sex", "birth_date") and "id_number" in failed):
                continue
            if name.startswith("other_cause") and "other_causes" in failed:
                continue
            got = bulk[name]
            if isinstance(value, Decimal) and got is not None:
                got = Decimal(got)
            assert got == value, (name, raw, got, value)
    assert problems == expected_problems


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(_rows(v.MEMBER_IMPORT_RULES))
def test_member_rows_equal(rows):
    _same(v.MEMBER_IMPORT_RULES, v.MEMBER_LABELS, rows)


@SETTINGS
@given(_rows(v.HOUSEHOLD_IMPORT_RULES))
def test_household_rows_equal(rows):
    _same(v.HOUSEHOLD_IMPORT_RULES, v.HOUSEHOLD_LABELS, rows)


@SETTINGS
@given(_rows(v.INCOME_IMPORT_RULES))
def test_income_rows_equal(rows):
    _same(v.INCOME_IMPORT_RULES, v.INCOME_LABELS, rows)


@SETTINGS
@given(_rows(v.VILLAGE_RULES))
def test_village_rows_equal(rows):
    _same(v.VILLAGE_RULES, v.VILLAGE_LABELS, rows)


def test_the_form_path_is_the_rule_table():
    # The forms' functions are the rule tables applied per row: the bulk path checks the same fields.
    raw = {"name": "", "id_number": "1", "relation": "户主"}
    assert v.clean_member(raw) == v.clean_with(v.MEMBER_RULES, v.MEMBER_LABELS, raw)
    assert {r.field for r in v.MEMBER_IMPORT_RULES} - {r.field for r in v.MEMBER_RULES} == {"household_no"}
