"""Web forms of procedures: built from the step's definition (the fields its TOML lists).

Forms only collect what the user typed; `services` checks it and says what is wrong, in Chinese."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fupin.core.forms import YES_NO_CHOICES, StyledForm

from .definitions import StepSpec


def _field_for(field) -> forms.Field:
    label = _(field.label)
    if field.type == "date":
        widget = forms.DateInput(attrs={"type": "date"})
        result = forms.CharField(label=label, required=False, widget=widget)
    elif field.type == "longtext":
        result = forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 4}))
    elif field.type == "int":
        result = forms.CharField(
            label=label, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
        )
    elif field.type == "bool":
        result = forms.ChoiceField(label=label, required=False, choices=YES_NO_CHOICES)
    elif field.type == "choice":
        result = forms.ChoiceField(
            label=label, required=False, choices=[("", "—")] + [(c, _(c)) for c in field.choices]
        )
    elif field.type == "file":
        result = forms.FileField(label=label, required=False)
    else:
        result = forms.CharField(label=label, required=False)
    result.marked_required = field.required
    return result


class StepForm(StyledForm):
    """The fields of one step; for a notice step, its dates and issuing office."""

    def __init__(self, *args, spec: StepSpec, with_reason: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        if spec.is_notice:
            self.fields["start_date"] = forms.CharField(
                label=_("%(kind)s开始日期") % {"kind": _(spec.notice)},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields["end_date"] = forms.CharField(
                label=_("%(kind)s结束日期") % {"kind": _(spec.notice)},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}),
            )
            self.fields["office"] = forms.CharField(label=_("发布单位"), required=False, max_length=60)
        for field in spec.fields:
            self.fields[field.name] = _field_for(field)
        if with_reason:
            self.fields["reason"] = forms.CharField(
                label=_("书面理由（政策引擎认为不符合条件时必填，后续审批人可见）"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        self.fields["current"] = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def file_field(self) -> str | None:
        return next((f.name for f in self.spec.fields if f.type == "file"), None)


class ObjectionForm(StyledForm):
    received = forms.CharField(
        label=gettext_lazy("收到日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    text = forms.CharField(
        label=gettext_lazy("异议内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveForm(StyledForm):
    finding = forms.CharField(
        label=gettext_lazy("核查结论"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    upheld = forms.ChoiceField(
        label=gettext_lazy("异议是否成立"),
        required=False,
        choices=[("0", gettext_lazy("不成立，继续办理")), ("1", gettext_lazy("成立，本程序不通过"))],
    )
