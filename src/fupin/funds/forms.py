"""Forms of the funds pages: they parse and show errors; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import codes


class DateInput(forms.DateInput):
    input_type = "date"


def _select(code_list, blank: bool = False):
    choices = code_list.choices
    return ([("", "—")] + choices) if blank else choices


class AllocationForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    document_no = forms.CharField(label=_("文号"), max_length=80)
    source = forms.ChoiceField(label=_("资金来源"), choices=_select(codes.SOURCE))
    title = forms.CharField(label=_("资金名称"), max_length=120)
    area = forms.CharField(label=_("下达到（区划代码）"), max_length=15)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    allocated_on = forms.DateField(label=_("下达日期"), widget=DateInput)
    purposes = forms.MultipleChoiceField(
        label=_("资金用途（不选为不限）"), choices=_select(codes.PROJECT_TYPE), required=False
    )


class PerPersonForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    document_no = forms.CharField(label=_("文号"), max_length=80)
    allocated_on = forms.DateField(label=_("下达日期"), widget=DateInput)


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=120)
    village = forms.ChoiceField(label=_("村"))
    project_type = forms.ChoiceField(label=_("项目类型"), choices=_select(codes.PROJECT_TYPE))
    allocation = forms.TypedChoiceField(label=_("资金来源（下达）"), coerce=int)
    budget = forms.DecimalField(label=_("预算金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    beneficiaries = forms.IntegerField(label=_("受益人数"), min_value=1, max_value=10_000_000)
    proposed_on = forms.DateField(label=_("申报日期"), widget=DateInput)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, villages=(), allocations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, f"{v.name}（{v.code}）") for v in villages]
        self.fields["allocation"].choices = [
            (a.pk, f"{a.year} {a.document_no} {a.title}（{a.area.name}，{a.amount:,.2f}）")
            for a in allocations
        ]


class AdvanceForm(forms.Form):
    to_status = forms.ChoiceField(choices=codes.PROJECT_STATUS.choices)
    on = forms.DateField(label=_("日期"), widget=DateInput)
    version = forms.IntegerField(min_value=1)
    contractor = forms.CharField(label=_("承建单位"), max_length=120, required=False)
    contract_amount = forms.DecimalField(
        label=_("合同金额（元）"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    evaluation = forms.ChoiceField(
        label=_("绩效评价等级"), choices=_select(codes.EVALUATION_GRADE, blank=True), required=False
    )


class ExpenseForm(forms.Form):
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=14, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("拨付日期"), widget=DateInput)
    payee = forms.CharField(label=_("收款方"), max_length=120)
    voucher_no = forms.CharField(label=_("凭证号"), max_length=60, required=False)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("文件类别"), choices=_select(codes.DOCUMENT_KIND))
    file = forms.FileField(label=_("文件（PDF、图片、Word、Excel）"))


class LoanImportForm(forms.Form):
    file = forms.FileField(label=_("银行年度贷款数据（xlsx 或 csv）"))
