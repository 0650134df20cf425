from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.core.models import User
from fupin.core.scope import in_area


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label=_("工作簿"),
        help_text=_(
            "建档立卡数据表（.xlsx 或 .xls），或 CSV：一个 zip，或同时选择 村.csv、户.csv、成员.csv、收入.csv；"
            "也可以是国家系统导出的贫困人口明细（.xlsx、.xls 或 .csv，数据年度取自标题行或“数据日期”列）"
        ),
        widget=MultipleFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.zip,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=_("只检查，不提交"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class ExportForm(forms.Form):
    layout = forms.ChoiceField(
        label=_("格式"),
        choices=[
            ("registry", _("建档立卡数据表（可修改后再导入）")),
            ("national", _("国家系统贫困人口明细（每人一行）")),
        ],
        initial="registry",
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    village = forms.ChoiceField(
        label=_("范围"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    unmask = forms.BooleanField(
        label=_("导出完整的证件号码和电话（将记入审计）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        villages = in_area(Area.objects.filter(level__in=["town", "village"]), user, "code").order_by("code")
        self.fields["village"].choices = [("", _("我的全部范围"))] + [
            (a.code, f"{a.code} {a.name}") for a in villages.only("code", "name")
        ]
        if not user.may_unmask:
            del self.fields["unmask"]
