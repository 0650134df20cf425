"""Web forms of areas; `services` validates and names each problem."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.forms import RawChoiceField, StyledForm, text

from .models import VillageYear


class VillageForm(StyledForm):
    town = RawChoiceField(label=_("所属乡镇"), choices=[], required=True)
    code = text(_("行政区划代码（12位）"), required=True, max_length=12)
    name = text(_("村名称"), required=True, max_length=60)

    def __init__(self, *args, towns: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", "—"), *towns]
        if len(towns) == 1:
            self.fields["town"].initial = towns[0][0]
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


class VillageYearForm(StyledForm):
    year = text(_("年度"), required=True, max_length=4)
    registered_population = text(_("户籍人口"), required=True, max_length=9)
    per_capita_income = text(_("村人均可支配收入（元）"), max_length=14)
    # The values the user saw, for the check that nobody changed them meanwhile.
    seen_population = forms.CharField(required=False, widget=forms.HiddenInput)
    seen_income = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fixed_year: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["inputmode"] = "numeric"
        self.fields["registered_population"].widget.attrs["inputmode"] = "numeric"
        self.fields["per_capita_income"].widget.attrs["inputmode"] = "decimal"
        if fixed_year:
            self.fields["year"].widget.attrs["readonly"] = True

    @staticmethod
    def initial_for(year: VillageYear) -> dict:
        income = "" if year.per_capita_income is None else str(year.per_capita_income)
        return {
            "year": year.year,
            "registered_population": year.registered_population,
            "per_capita_income": income,
            "seen_population": year.registered_population,
            "seen_income": income,
        }

    def data_for_service(self) -> dict:
        return self.raw(["year", "registered_population", "per_capita_income"])

    def seen(self) -> dict:
        return {
            "registered_population": self.cleaned_data.get("seen_population"),
            "per_capita_income": self.cleaned_data.get("seen_income"),
        }
