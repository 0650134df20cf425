"""What the API shows of the registry, and the shape of what it accepts.

Output: ID numbers, phone numbers and bank accounts are masked unless the view says the caller asked
for and may see them (`unmask` in the serializer context); every record shown unmasked is noted in
the context's `unmasked` list so the view can audit exactly those.

Input: the `*Input` serializers document the request bodies for the OpenAPI schema only. The values
go unchanged to `services`, whose `validation` rules are shared with the web forms and the workbook
import (a coded field takes its code or its Chinese label; a yes/no field takes true/false or 是/否),
so the API reports the same problems with the same codes and messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fupin.core import codes, pii
from fupin.core.money import per_capita

from .models import Household, Income, LivingConditions, Member, StatusChange


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text=_("出错的字段，如 members.0.id_number；与字段无关时为 null")
    )
    code = serializers.CharField(help_text=_("稳定的错误代码，如 id_checksum、head_multiple"))
    message = serializers.CharField(help_text=_("中文说明：哪里错了、怎样改"))


class ErrorSerializer(serializers.Serializer):
    errors = ErrorItemSerializer(many=True)


def _show(context: dict, record: Any, field: str, value: Any, kind: str) -> Any:
    """A personal value masked (`core.pii`), or in full (noted for the audit) when the view allows it."""
    if value in (None, ""):
        return None if kind == pii.BIRTH_DATE else ""
    if context.get("unmask"):
        context["unmasked"].append((record, field))
        return value.isoformat() if kind == pii.BIRTH_DATE else value
    return None if kind == pii.BIRTH_DATE else pii.mask(kind, value)


class PersonalField(serializers.Field):
    """A personal value of the record: masked unless the caller asked for it and may see it."""

    kind = pii.ID_NUMBER

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        # The record itself: the audit needs to know whose number was shown.
        return instance

    def to_representation(self, instance):
        return _show(self.context, instance, self.field_name, getattr(instance, self.source), self.kind)


@extend_schema_field(
    {
        "type": "string",
        "description": "证件号码，默认打码：只显示6位地区码和校验码（如 441882***********1）",
        "example": "441882***********1",
    }
)
class IdNumberField(PersonalField):
    kind = pii.ID_NUMBER


@extend_schema_field(
    {"type": "string", "description": "联系电话，默认打码（如 138****8000）", "example": "138****8000"}
)
class PhoneField(PersonalField):
    kind = pii.PHONE


@extend_schema_field(
    {
        "type": "string",
        "description": "账号，默认只显示后四位（如 ************0001）",
        "example": "************0001",
    }
)
class AccountField(PersonalField):
    kind = pii.BANK_ACCOUNT


@extend_schema_field(
    {
        "type": "string",
        "format": "date",
        "nullable": True,
        "description": "出生日期：默认为 null（年份见 birth_year），unmask=1 时给出完整日期",
    }
)
class BirthDateField(PersonalField):
    kind = pii.BIRTH_DATE


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A coded field left blank: null in the API (the schema's enum plus null), never ""."""

    def to_representation(self, value):
        if value in ("", None):
            return None
        return super().to_representation(value)


class CodedModelSerializer(serializers.ModelSerializer):
    """Coded model fields that may be blank come out as their code or null (as the schema says)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if getattr(model_field, "choices", None) and model_field.blank and not model_field.null:
            field_class = BlankAsNullChoiceField
            kwargs.pop("allow_blank", None)
            kwargs["allow_null"] = True
        return field_class, kwargs


class MemberSerializer(CodedModelSerializer):
    id_number = IdNumberField()
    birth_date = BirthDateField()
    birth_year = serializers.IntegerField(source="birth_date.year", read_only=True, help_text=_("出生年份"))
    on_register = serializers.BooleanField(read_only=True)

    class Meta:
        model = Member
        fields = [
            "id",
            "household",
            "name",
            "id_number",
            "sex",
            "birth_date",
            "birth_year",
            "relation",
            "ethnicity",
            "education",
            "school_status",
            "health",
            "labour",
            "migrant_work",
            "work_months",
            "medical_insurance",
            "pension_insurance",
            "dibao",
            "tekun",
            "on_register",
            "left_on",
            "left_reason",
            "version",
        ]
        read_only_fields = fields


class IncomeSerializer(serializers.ModelSerializer):
    disposable = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text=_("家庭纯收入（元）")
    )
    per_capita = serializers.SerializerMethodField(
        help_text=_("人均纯收入（元）：纯收入 ÷ 在册人数，四舍五入到分")
    )

    class Meta:
        model = Income
        fields = [
            "id",
            "household",
            "year",
            "wages",
            "business_income",
            "business_cost",
            "property_income",
            "transfer_income",
            "transfer_cost",
            "disposable",
            "per_capita",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True))
    def get_per_capita(self, income: Income) -> str | None:
        # Lists annotate the size; a household page passes its members in the context.
        size = getattr(income, "persons", None)
        if size is None:
            size = self.context.get("persons", {}).get(income.household_id, 0)
        value = per_capita(income.disposable, size)
        return None if value is None else f"{value:.2f}"


class StatusChangeSerializer(CodedModelSerializer):
    changed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StatusChange
        fields = ["id", "from_status", "to_status", "year", "reason", "changed_by", "changed_at"]
        read_only_fields = fields


class ConditionsSerializer(CodedModelSerializer):
    class Meta:
        model = LivingConditions
        exclude = ["id", "household"]
        read_only_fields = [f.name for f in LivingConditions._meta.concrete_fields]


class _HouseholdBase(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    other_causes = serializers.ListField(
        child=serializers.ChoiceField(choices=codes.POVERTY_CAUSE.choices), read_only=True
    )
    phone = PhoneField()


HOUSEHOLD_FIELDS = [
    "id",
    "household_no",
    "village",
    "village_name",
    "attribute",
    "main_cause",
    "other_causes",
    "identified_year",
    "status",
    "exit_year",
    "phone",
    "version",
]


class HouseholdListSerializer(_HouseholdBase):
    head_name = serializers.CharField(read_only=True, allow_null=True)
    head_id_number = IdNumberField()
    size = serializers.IntegerField(read_only=True, allow_null=True, help_text=_("在册人数"))

    class Meta:
        model = Household
        fields = [*HOUSEHOLD_FIELDS, "head_name", "head_id_number", "size"]
        read_only_fields = fields


class HouseholdDetailSerializer(_HouseholdBase):
    group = serializers.CharField(source="group.name", read_only=True, allow_null=True)
    bank_account = AccountField()
    members = MemberSerializer(many=True, read_only=True)
    incomes = serializers.SerializerMethodField()
    status_changes = StatusChangeSerializer(many=True, read_only=True)
    conditions = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            *HOUSEHOLD_FIELDS,
            "group",
            "housing_safe",
            "water_safe",
            "bank_name",
            "bank_account",
            "members",
            "incomes",
            "status_changes",
            "conditions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(IncomeSerializer(many=True))
    def get_incomes(self, household: Household) -> list[dict]:
        persons = sum(1 for m in household.members.all() if m.left_on is None)
        context = {**self.context, "persons": {household.pk: persons}}
        return IncomeSerializer(household.incomes.all(), many=True, context=context).data

    @extend_schema_field(ConditionsSerializer(allow_null=True))
    def get_conditions(self, household: Household) -> dict | None:
        try:
            conditions = household.conditions
        except LivingConditions.DoesNotExist:
            return None
        return ConditionsSerializer(conditions, context=self.context).data


# --- request bodies (schema only; see the module docstring) ---------------------------------------

_CODE_HELP = _("代码或中文名称")


def _code(code_list: codes.CodeList, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=code_list.choices, help_text=_CODE_HELP, **kwargs)


class HouseholdFieldsInput(serializers.Serializer):
    group = serializers.CharField(required=False, allow_blank=True, help_text=_("村民小组名称"))
    attribute = _code(codes.HOUSEHOLD_ATTRIBUTE)
    main_cause = _code(codes.POVERTY_CAUSE)
    other_causes = serializers.ListField(
        child=_code(codes.POVERTY_CAUSE), required=False, max_length=2, help_text=_("至多两个其他致贫原因")
    )
    identified_year = serializers.IntegerField(min_value=2000, max_value=2100)
    housing_safe = serializers.BooleanField()
    water_safe = serializers.BooleanField()
    phone = serializers.CharField(required=False, allow_blank=True)
    bank_name = serializers.CharField(required=False, allow_blank=True)
    bank_account = serializers.CharField(required=False, allow_blank=True)


class MemberFieldsInput(serializers.Serializer):
    name = serializers.CharField()
    id_number = serializers.CharField(help_text=_("18位公民身份号码"))
    relation = _code(codes.RELATION)
    ethnicity = _code(codes.ETHNICITY, required=False, allow_blank=True)
    education = _code(codes.EDUCATION, required=False, allow_blank=True)
    school_status = _code(codes.SCHOOL_STATUS)
    health = _code(codes.HEALTH)
    labour = _code(codes.LABOUR)
    migrant_work = _code(codes.MIGRANT_WORK, required=False, allow_blank=True)
    work_months = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=12)
    medical_insurance = serializers.BooleanField()
    pension_insurance = serializers.BooleanField(required=False, allow_null=True)
    dibao = serializers.BooleanField()
    tekun = serializers.BooleanField(required=False, allow_null=True)


_AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0")}


class IncomeFieldsInput(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    wages = serializers.DecimalField(**_AMOUNT)
    business_income = serializers.DecimalField(**_AMOUNT)
    business_cost = serializers.DecimalField(**_AMOUNT)
    property_income = serializers.DecimalField(**_AMOUNT)
    transfer_income = serializers.DecimalField(**_AMOUNT)
    transfer_cost = serializers.DecimalField(**_AMOUNT, required=False)


class HouseholdCreateInput(HouseholdFieldsInput):
    household_no = serializers.CharField(max_length=30)
    village = serializers.CharField(min_length=12, max_length=12, help_text=_("村的12位行政区划代码"))
    head_id_number = serializers.CharField(
        required=False, help_text=_("户主证件号码；填写时须与户主成员一致")
    )
    members = MemberFieldsInput(many=True)
    incomes = IncomeFieldsInput(many=True, required=False)


def _partial(base: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """`base` with every field optional plus the required `version` the client last saw."""
    fields: dict[str, Any] = {}
    for field_name, field in base().get_fields().items():
        field.required = False
        fields[field_name] = field
    fields["version"] = serializers.IntegerField(help_text=_("读取时的版本号；已被他人修改时返回 409"))
    return type(name, (serializers.Serializer,), fields)


HouseholdUpdateInput = _partial(HouseholdFieldsInput, "HouseholdUpdateInput")
MemberUpdateInput = _partial(MemberFieldsInput, "MemberUpdateInput")
IncomeUpdateInput = _partial(IncomeFieldsInput, "IncomeUpdateInput")


class MemberCreateInput(MemberFieldsInput):
    household = serializers.IntegerField(help_text=_("户的 id"))


class IncomeCreateInput(IncomeFieldsInput):
    household = serializers.IntegerField(help_text=_("户的 id"))
