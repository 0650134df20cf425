"""Forms of the assistance pages: small, phone-first, validated by the services (the forms only parse)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import HELPER_KINDS, ITEM_STATES, MEASURE_KINDS, MEASURE_STATES, UNIT_LEVELS
from .validation import FIELDS

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
            widget.attrs.setdefault("class", "form-control")
            widget.attrs.setdefault("accept", "image/*")
        elif not isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)

    def add_problems(self, problems) -> None:
        """Show the service's problems beside their fields (details.x → d_x, photos.n → photo)."""
        for p in problems:
            name = p.field
            if name.startswith("details."):
                name = "d_" + name.split(".", 1)[1]
            elif name.startswith("photos."):
                name = "photo"
            self.add_error(name if name in self.fields else None, p.message)


class PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = False


class VisitForm(StyledForm):
    token = forms.UUIDField(widget=forms.HiddenInput)
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    found = forms.CharField(label=_("了解到的情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    done = forms.CharField(label=_("解决的问题"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("照片"), required=False, widget=PhotoInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"token": uuid.uuid4(), "visited_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class MeasureForm(StyledForm):
    """The common fields of a measure plus the detail fields of its type (d_<name>)."""

    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    amount = forms.CharField(
        label=_("金额(元)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    state = forms.ChoiceField(label=_("状态"), choices=MEASURE_STATES)
    member = forms.ChoiceField(label=_("受益成员"), required=False)
    plan_item = forms.ChoiceField(label=_("计划项目"), required=False)
    photo = forms.FileField(label=_("照片"), required=False, widget=PhotoInput)

    def __init__(self, *args, kind: str, household, **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["member"].choices = [("", "—")] + [
            (m.pk, m.name) for m in household.members.filter(left_on__isnull=True)
        ]
        plan = getattr(household, "plan", None) if hasattr(household, "plan") else None
        items = plan.items.exclude(state="cancelled") if plan else []
        self.fields["plan_item"].choices = [("", "—")] + [(i.pk, f"{i.year} {i.content}") for i in items]
        details = {}
        for spec in FIELDS[kind]:
            name = f"d_{spec.name}"
            if spec.type == "choice":
                field = forms.ChoiceField(
                    label=spec.label, choices=[("", "—"), *spec.choices], required=False
                )
            else:
                attrs = {"inputmode": "decimal"} if spec.type in ("int", "money") else {}
                field = forms.CharField(label=spec.label, required=False, widget=forms.TextInput(attrs=attrs))
            field.marked_required = spec.required
            details[name] = field
        # The type's details come first: they are what a helper records on the spot.
        self.fields = {**details, **self.fields}
        _style(self)

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": self.kind,
            "details": {spec.name: data.get(f"d_{spec.name}") for spec in FIELDS[self.kind]},
            "start_date": data.get("start_date"),
            "end_date": data.get("end_date"),
            "amount": data.get("amount"),
            "state": data.get("state"),
            "member": data.get("member") or None,
            "plan_item": data.get("plan_item") or None,
        }


class PlanForm(StyledForm):
    needs = forms.CharField(label=_("帮扶需求"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PlanItemForm(StyledForm):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("项目类型"), choices=MEASURE_KINDS)
    content = forms.CharField(label=_("帮扶内容"), max_length=200)
    expected_income = forms.CharField(label=_("预期增收(元)"), required=False)
    state = forms.ChoiceField(label=_("状态"), choices=ITEM_STATES)


class UnitForm(StyledForm):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    level = forms.ChoiceField(label=_("单位隶属关系"), choices=UNIT_LEVELS)
    paired_with = forms.CharField(label=_("对口帮扶"), required=False, max_length=60)
    area = forms.CharField(label=_("帮扶区域代码"), max_length=15)
    village = forms.CharField(label=_("驻村工作队所在村代码"), required=False, max_length=12)


class HelperForm(StyledForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    kind = forms.ChoiceField(label=_("类别"), choices=HELPER_KINDS)
    unit = forms.ChoiceField(label=_("所在单位"), required=False)
    position = forms.CharField(label=_("职务"), required=False, max_length=50)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=20)
    area = forms.CharField(label=_("工作区域代码"), max_length=15)
    start_date = forms.DateField(label=_("开始帮扶时间"), widget=DATE)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—")] + [(u.pk, u.name) for u in units]


class AssignForm(StyledForm):
    person = forms.ChoiceField(label=_("帮扶责任人"))
    start_date = forms.DateField(label=_("开始帮扶时间"), widget=DATE)
    replace = forms.BooleanField(label=_("更换帮扶责任人（结束现有结对）"), required=False)
    note = forms.CharField(label=_("说明"), required=False, max_length=200)

    def __init__(self, *args, people=(), **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, f"{p.name}（{p.unit or '—'}）") for p in people]


class AssignVillageForm(StyledForm):
    unit = forms.ChoiceField(label=_("帮扶单位"))
    start_date = forms.DateField(label=_("开始帮扶时间"), widget=DATE)

    def __init__(self, *args, units=(), **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
