"""Web forms of the registry. They collect raw values; `services` validates them and names each problem."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core import codes, pii
from fupin.core.forms import (
    RawChoiceField,
    RawMultipleChoiceField,
    StyledForm,
    StyleMixin,
    text,
    yes_no,
    yes_no_text,
)

from .models import Household, Income, LivingConditions, Member
from .validation import HOUSEHOLD_EDITABLE, MEMBER_FIELDS

PAGE_SIZE = 50
MAX_PAGE = 100_000
# Above this many villages a select gets unwieldy (a county or more): the filter takes a code instead.
MAX_VILLAGE_CHOICES = 400


class HouseholdFilterForm(StyledForm):
    village = forms.CharField(label=_("村"), required=False)
    status = forms.ChoiceField(label=_("状态"), required=False)
    attribute = forms.ChoiceField(label=_("贫困户属性"), required=False)
    cause = forms.ChoiceField(label=_("致贫原因"), required=False)
    labour = forms.ChoiceField(
        label=_("劳动能力"),
        required=False,
        choices=[("", _("全部")), ("capable", _("有劳动能力")), ("none", _("无劳动能力"))],
    )
    dibao = forms.ChoiceField(
        label=_("低保"),
        required=False,
        choices=[("", _("全部")), ("1", _("享受低保")), ("0", _("未享受低保"))],
    )
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、证件号码或户编号"), "type": "search"}),
    )
    page = forms.IntegerField(
        label=_("页码"), required=False, min_value=1, max_value=MAX_PAGE, widget=forms.HiddenInput
    )

    def __init__(self, *args, villages: list[tuple[str, str]] | None, may_search_id: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_search_id = may_search_id
        everything = [("", _("全部"))]
        self.fields["status"].choices = everything + codes.HOUSEHOLD_STATUS.choices
        self.fields["attribute"].choices = everything + codes.HOUSEHOLD_ATTRIBUTE.choices
        self.fields["cause"].choices = everything + codes.POVERTY_CAUSE.choices
        if villages is not None:
            self.fields["village"] = forms.ChoiceField(
                label=_("村"), required=False, choices=everything + villages
            )
            self.fields["village"].widget.attrs["class"] = "form-select"
        else:
            self.fields["village"].widget.attrs["placeholder"] = _("村或镇的区划代码")
            self.fields["village"].widget.attrs["inputmode"] = "numeric"

    def clean_q(self) -> str:
        text = (self.cleaned_data.get("q") or "").strip()
        if text and not self.may_search_id and pii.looks_like_id(text):
            # A yes/no answer per guess would let a masked number be completed by trying its digits.
            raise forms.ValidationError(
                _("您的角色不能按证件号码查询，请按姓名或户编号查询"), code="id_search"
            )
        return text

    def bad_parameters(self) -> list[str]:
        """Labels of the parameters whose values no form control can send (a 400, not a form error)."""
        if not self.is_bound or self.is_valid():
            return []
        return [str(self.fields[name].label or name) for name in self.errors if name not in ("q", "__all__")]

    def filters(self) -> dict:
        """Keyword arguments of `selectors.household_list`; a refused search finds nothing."""
        data = self.cleaned_data if self.is_valid() else {}
        dibao = data.get("dibao")
        village = (data.get("village") or "").strip()
        return {
            "village": village if village.isdigit() else None,
            "status": data.get("status") or None,
            "attribute": data.get("attribute") or None,
            "cause": data.get("cause") or None,
            "labour": data.get("labour") or None,
            "dibao": None if not dibao else dibao == "1",
            "search": (data.get("q") or "").strip() or None,
        }

    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_valid() else None) or 1


HOUSEHOLD_FIELDS = HOUSEHOLD_EDITABLE


class HouseholdForm(StyledForm):
    """A household's own fields; `household_no` and `village` only when registering."""

    household_no = text(_("户编号"), required=True, max_length=30)
    village = RawChoiceField(label=_("村"), choices=[], required=True)
    group = text(_("村民小组"), max_length=60)
    attribute = RawChoiceField(
        label=_("贫困户属性"), choices=codes.HOUSEHOLD_ATTRIBUTE.choices, required=True
    )
    main_cause = RawChoiceField(label=_("主要致贫原因"), choices=codes.POVERTY_CAUSE.choices, required=True)
    other_causes = RawMultipleChoiceField(
        label=_("其他致贫原因"), choices=codes.POVERTY_CAUSE.choices, help_text=_("最多选两项")
    )
    identified_year = text(_("识别年度"), required=True, max_length=4)
    housing_safe = yes_no(_("住房是否安全"), required=True)
    water_safe = yes_no(_("饮水是否安全"), required=True)
    phone = text(_("联系电话"), max_length=20)
    bank_name = text(_("开户银行"), max_length=60)
    bank_account = text(_("一卡通账号"), max_length=32)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, villages: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is None:
            del self.fields["household_no"], self.fields["village"]
        else:
            self.fields["village"].choices = [("", "—"), *villages]
            if len(villages) == 1:
                self.fields["village"].initial = villages[0][0]
        self.fields["identified_year"].widget.attrs["inputmode"] = "numeric"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        self.fields["bank_account"].widget.attrs["inputmode"] = "numeric"

    @staticmethod
    def initial_for(household: Household) -> dict:
        return {
            "group": household.group.name if household.group else "",
            "attribute": household.attribute,
            "main_cause": household.main_cause,
            "other_causes": household.other_causes,
            "identified_year": household.identified_year,
            "housing_safe": yes_no_text(household.housing_safe),
            "water_safe": yes_no_text(household.water_safe),
            "phone": household.phone,
            "bank_name": household.bank_name,
            "bank_account": household.bank_account,
            "version": household.version,
        }

    def data_for_service(self) -> dict:
        return self.raw([name for name in self.fields if name != "version"])


class MemberForm(StyledForm):
    name = text(_("姓名"), required=True, max_length=50)
    id_number = text(_("证件号码"), required=True, max_length=18)
    relation = RawChoiceField(label=_("与户主关系"), choices=codes.RELATION.choices, required=True)
    ethnicity = RawChoiceField(label=_("民族"), choices=codes.ETHNICITY.choices)
    education = RawChoiceField(label=_("文化程度"), choices=codes.EDUCATION.choices)
    school_status = RawChoiceField(label=_("在校生情况"), choices=codes.SCHOOL_STATUS.choices, required=True)
    health = RawChoiceField(label=_("健康状况"), choices=codes.HEALTH.choices, required=True)
    labour = RawChoiceField(label=_("劳动能力"), choices=codes.LABOUR.choices, required=True)
    migrant_work = RawChoiceField(label=_("务工状况"), choices=codes.MIGRANT_WORK.choices)
    work_months = text(_("务工时间(月)"), max_length=2)
    medical_insurance = yes_no(_("是否参加基本医疗保险"), required=True)
    pension_insurance = yes_no(_("是否参加养老保险"))
    dibao = yes_no(_("是否享受低保"), required=True)
    tekun = yes_no(_("是否特困供养"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, index: int | None = None, **kwargs):
        # `index` numbers the member rows of the registration form (prefix "members-<index>").
        self.index = index
        if index is not None:
            kwargs["prefix"] = f"members-{index}"
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["work_months"].widget.attrs["inputmode"] = "numeric"

    @staticmethod
    def initial_for(member: Member) -> dict:
        initial = {name: getattr(member, name) for name in MEMBER_FIELDS}
        for name in ("medical_insurance", "pension_insurance", "dibao", "tekun"):
            initial[name] = yes_no_text(initial[name])
        initial["work_months"] = "" if member.work_months is None else member.work_months
        initial["version"] = member.version
        return initial

    def is_blank(self) -> bool:
        """An extra row of the registration form left empty (no name, no ID number)."""
        return (
            not (self.cleaned_data.get("name") or "").strip()
            and not (self.cleaned_data.get("id_number") or "").strip()
        )

    def data_for_service(self) -> dict:
        return self.raw(MEMBER_FIELDS)


INCOME_FIELDS = (
    "year",
    "wages",
    "business_income",
    "business_cost",
    "property_income",
    "transfer_income",
    "transfer_cost",
)


class IncomeForm(StyledForm):
    year = text(_("年度"), required=True, max_length=4)
    wages = text(_("工资性收入"), required=True)
    business_income = text(_("生产经营性收入"), required=True)
    business_cost = text(_("生产经营性支出"), required=True)
    property_income = text(_("财产性收入"), required=True)
    transfer_income = text(_("转移性收入"), required=True)
    transfer_cost = text(_("转移性支出"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fixed_year: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in INCOME_FIELDS:
            self.fields[name].widget.attrs["inputmode"] = "decimal" if name != "year" else "numeric"
        if fixed_year:
            self.fields["year"].widget.attrs["readonly"] = True

    @staticmethod
    def initial_for(income: Income) -> dict:
        initial = {name: getattr(income, name) for name in INCOME_FIELDS}
        initial["version"] = income.version
        return initial

    def is_blank(self) -> bool:
        return not any((self.cleaned_data.get(name) or "").strip() for name in INCOME_FIELDS)

    def data_for_service(self) -> dict:
        return self.raw(INCOME_FIELDS)


class ConditionsForm(StyleMixin, forms.ModelForm):
    """Living conditions: typed fields (the model's own validation), saved through the service."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = LivingConditions
        fields = (
            "house_area",
            "house_structure",
            "dilapidated",
            "electricity",
            "drinking_water",
            "water_difficulty",
            "road_type",
            "sanitary_toilet",
            "fuel",
            "market_distance_km",
            "farmland_mu",
            "forest_mu",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DecimalField):
                field.widget.attrs["inputmode"] = "decimal"

    def data_for_service(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class ChangeHeadForm(StyledForm):
    new_head = forms.TypedChoiceField(label=_("新户主"), coerce=int)
    former_head_relation = forms.ChoiceField(label=_("原户主改为"))
    # "member pk:version" of the household's members as the user saw them.
    versions = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, candidates: list[Member], head: Member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_head"].choices = [("", "—")] + [(m.pk, m.name) for m in candidates]
        self.fields["former_head_relation"].choices = [("", "—")] + [
            (code, label) for code, label in codes.RELATION.choices if code != "head"
        ]
        self.fields["versions"].initial = ",".join(f"{m.pk}:{m.version}" for m in [head, *candidates])

    def seen_versions(self) -> dict[int, int]:
        seen = {}
        for item in (self.cleaned_data.get("versions") or "").split(","):
            pk, _sep, version = item.partition(":")
            if pk.isdigit() and version.isdigit():
                seen[int(pk)] = int(version)
        return seen


class RemoveMemberForm(StyledForm):
    reason = forms.ChoiceField(label=_("离开原因"), choices=[("", "—"), *Member.LEFT_REASONS])
    on_date = forms.DateField(label=_("离开日期"), widget=forms.DateInput(attrs={"type": "date"}))
    version = forms.IntegerField(widget=forms.HiddenInput)
