from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core.forms import StyledForm

from .selectors import AuditFilters

MAX_PAGE = 100_000


class AuditFilterForm(StyledForm):
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("动作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象编号"), required=False, max_length=64)
    date_from = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, actions: list[str], object_types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("全部"))]
        self.fields["action"].choices = everything + [(a, a) for a in actions]
        self.fields["object_type"].choices = everything + [(t, t) for t in object_types]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("结束日期不能早于开始日期"))
        return data

    def filters(self) -> AuditFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return AuditFilters(
            actor=(data.get("actor") or "").strip(),
            action=data.get("action") or "",
            object_type=data.get("object_type") or "",
            object_id=(data.get("object_id") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_bound and self.is_valid() else None) or 1


class IndicatorsForm(StyledForm):
    """A village's indicators for one year; the service validates (one rule for the form and the import)."""

    road_km_hardened = forms.CharField(required=False, max_length=20)
    roads_reach_all = forms.BooleanField(required=False)
    road_widened = forms.BooleanField(required=False)
    safe_water = forms.BooleanField(required=False)
    electricity = forms.BooleanField(required=False)
    radio_tv = forms.BooleanField(required=False)
    broadband = forms.BooleanField(required=False)
    health_station = forms.BooleanField(required=False)
    irrigation = forms.BooleanField(required=False)
    collective_income = forms.CharField(required=False, max_length=20)
    note = forms.CharField(required=False, max_length=200)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from . import indicators

        for name, field in self.fields.items():
            if name != "version":
                field.label = indicators.label(name)


class IndicatorImportForm(StyledForm):
    file = forms.FileField(label=_("指标工作簿（.xlsx/.xls/.csv）"))


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)
