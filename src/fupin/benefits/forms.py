from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Renovation

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class ClaimForm(forms.Form):
    member = forms.TypedChoiceField(label=_("患者"), coerce=int)
    treated_on = forms.DateField(label=_("出院（结算）日期"), widget=forms.DateInput(attrs={"type": "date"}))
    hospital = forms.CharField(label=_("医疗机构"), max_length=100)
    total_cost = forms.DecimalField(label=_("医疗总费用"), **MONEY)
    compliant_cost = forms.DecimalField(label=_("合规医疗费用"), **MONEY)
    basic_insurance = forms.DecimalField(label=_("基本医保报销"), **MONEY)
    critical_insurance = forms.DecimalField(label=_("大病保险报销"), **MONEY)
    other_insurance = forms.DecimalField(label=_("其他保险报销"), **MONEY, initial=0)
    aid_granted = forms.DecimalField(
        label=_("核定救助金额"),
        **MONEY,
        required=False,
        help_text=_("留空即按应救助金额（政策比例×报销后剩余合规费用）核定"),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [(m.pk, m.name) for m in members]


class PayForm(forms.Form):
    amount = forms.DecimalField(label=_("付款金额"), **MONEY, required=False)


class GrantForm(forms.Form):
    year = forms.IntegerField(label=_("学年"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("补助金额"), **MONEY, required=False)


class BankResultForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件（.xlsx）"))


class RenovationForm(forms.Form):
    grade = forms.ChoiceField(label=_("危房级别"), choices=Renovation.GRADES)
    subsidy_class = forms.ChoiceField(label=_("补助类别"), choices=Renovation.CLASSES)
    subsidy = forms.DecimalField(label=_("补助金额"), **MONEY)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class LoanForm(forms.Form):
    borrower = forms.TypedChoiceField(label=_("借款人"), coerce=int)
    bank = forms.CharField(label=_("贷款银行"), max_length=60)
    amount = forms.DecimalField(label=_("贷款金额"), **MONEY)
    term_months = forms.IntegerField(label=_("期限（月）"), min_value=1, max_value=600)
    rate = forms.DecimalField(label=_("年利率"), max_digits=6, decimal_places=4, help_text=_("例如 0.0475"))
    start_date = forms.DateField(label=_("放款日期"), widget=forms.DateInput(attrs={"type": "date"}))
    purpose = forms.CharField(label=_("用途"), max_length=100, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["borrower"].choices = [(m.pk, m.name) for m in members]
