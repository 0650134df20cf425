"""Query parameters of the registry API, validated by django-filter and documented in the schema.

The household list hands its parameters to `selectors.household_list`, the function behind the web's
household list, so a filter means the same on the page and in the API.
"""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from fupin.core import codes, pii

from . import selectors
from .idnumber import normalise
from .validation import MAX_YEAR, MIN_YEAR

AREA_CODE = RegexValidator(r"^\d{2,15}$", _("区划代码只能是2至15位数字"), code="unknown_code")
# The largest id a database row can have (a signed 64-bit integer).
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """A record id: a whole number within what the database stores (else 400, never 500)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", MIN_YEAR)
        kwargs.setdefault("max_value", MAX_YEAR)
        super().__init__(*args, **kwargs)


def _no_id_search(request, field: str) -> None:
    """A role that may not unmask may not test guesses of an ID number one by one either."""
    if not getattr(getattr(request, "user", None), "may_unmask", False):
        raise ValidationError(
            {field: [_("您的角色不能按证件号码查询，请按姓名或户编号查询")]}, code="id_search_not_permitted"
        )


class HouseholdFilter(filters.FilterSet):
    village = filters.CharFilter(validators=[AREA_CODE], help_text=_("村或镇的区划代码（前缀匹配）"))
    status = filters.ChoiceFilter(choices=codes.HOUSEHOLD_STATUS.choices)
    attribute = filters.ChoiceFilter(choices=codes.HOUSEHOLD_ATTRIBUTE.choices)
    main_cause = filters.ChoiceFilter(choices=codes.POVERTY_CAUSE.choices, help_text=_("主要致贫原因"))
    cause = filters.ChoiceFilter(choices=codes.POVERTY_CAUSE.choices, help_text=_("主要或其他致贫原因之一"))
    labour = filters.ChoiceFilter(
        choices=[("capable", _("有劳动力")), ("none", _("无劳动力"))],
        help_text=_("户内是否有在册的劳动力"),
    )
    dibao = filters.BooleanFilter(help_text=_("户内是否有享受低保的在册成员"))
    search = filters.CharFilter(help_text=_("户编号、成员姓名或证件号码"))

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # All parameters go to the selector at once (the filters above only validate and document them).
        data = self.form.cleaned_data
        if pii.looks_like_id(data.get("search")):
            _no_id_search(self.request, "search")
        result = selectors.household_list(
            user=self.request.user,
            village=data.get("village") or None,
            status=data.get("status") or None,
            attribute=data.get("attribute") or None,
            cause=data.get("cause") or None,
            labour=data.get("labour") or None,
            dibao=data.get("dibao"),
            search=data.get("search") or None,
        )
        if data.get("main_cause"):
            result = result.filter(main_cause=data["main_cause"])
        return result


class MemberFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id", help_text=_("户的 id"))
    on_register = filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", help_text=_("true：只要在册成员；false：只要已减员的成员")
    )
    id_number = filters.CharFilter(method="_id_number", help_text=_("完整的18位证件号码"))

    def _id_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        _no_id_search(self.request, "id_number")
        return queryset.filter(id_number=normalise(value))


class IncomeFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id", help_text=_("户的 id"))
    year = YearFilter(field_name="year", help_text=_("年度"))
