"""The registry's HTTP API (/api/v1/households, members, incomes) and the plumbing every API view shares.

Views are thin: reads come from `selectors` (the same scopes as the web), writes go through
`services` (the same validation and history as the web and the import). Errors always have the
shape `{"errors": [{"field", "code", "message"}]}`: 400 for invalid data (every problem, not only the
first), 403 for what the role may not do, 404 for what is outside the user's scope (indistinguishable
from what does not exist), 409 for an edit of a record someone else changed since it was read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from fupin.core import audit, pii

from . import selectors, services
from .filters import MAX_ID, HouseholdFilter, IncomeFilter, MemberFilter
from .models import Household, Income, Member
from .serializers import (
    ErrorSerializer,
    HouseholdCreateInput,
    HouseholdDetailSerializer,
    HouseholdListSerializer,
    HouseholdUpdateInput,
    IncomeCreateInput,
    IncomeSerializer,
    IncomeUpdateInput,
    MemberCreateInput,
    MemberSerializer,
    MemberUpdateInput,
)
from .validation import HOUSEHOLD_EDITABLE, INCOME_FIELDS, MEMBER_FIELDS, Problem

# --- shared plumbing ---------------------------------------------------------------------------------


def _error(field: str | None, code: str, message: str) -> dict[str, Any]:
    return {"field": field or None, "code": code, "message": str(message)}


def _flatten(detail: Any, codes: Any, field: str | None) -> list[dict[str, Any]]:
    """DRF's nested error details as a flat list of {field, code, message} with dotted field paths."""
    if isinstance(detail, Mapping):
        out = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", "detail") else key
            out += _flatten(value, codes[key], f"{field}.{name}" if field and name else field or name)
        return out
    if isinstance(detail, list):
        out = []
        for i, value in enumerate(detail):
            # A list of strings is several messages for one field; a list of dicts is one per item.
            path = f"{field}.{i}" if isinstance(value, Mapping) and field else field
            out += _flatten(value, codes[i], path)
        return out
    code = str(codes)
    # One name for "not in the code list", whether a form field or the validation says it.
    return [_error(field, "unknown_code" if code == "invalid_choice" else code, str(detail))]


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, services.ValidationFailed):
        errors = [_error(p.field, p.code, p.message) for p in exc.problems]
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, services.ConcurrentEdit):
        return Response(
            {"errors": [_error("version", "stale_version", str(exc))]}, status=status.HTTP_409_CONFLICT
        )
    if isinstance(exc, services.NotPermitted):
        return Response(
            {"errors": [_error(None, "not_permitted", str(exc))]}, status=status.HTTP_403_FORBIDDEN
        )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        message = _("未找到该记录，或它不在您的工作范围内")
        return Response({"errors": [_error(None, "not_found", message)]}, status=status.HTTP_404_NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"errors": _flatten(exc.detail, exc.get_codes(), None)}
    return response


class ApiUserThrottle(UserRateThrottle):
    """Per-user request rate; REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["user"] (env FUPIN_API_RATE)."""

    def get_rate(self) -> str | None:
        # Read at request time, not import time, so a settings change takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class KeysetPagination(CursorPagination):
    """Cursor (keyset) pages: no COUNT over the whole area, no deep OFFSET.

    A cursor or page size the API did not hand out (a crafted position, a page size of 0 or 10^20)
    is a 400 with the usual error shape, never a 500 from the database.
    """

    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    # What a position of the ordering column may look like (an id: at most 18 digits).
    position_pattern = re.compile(r"\d{1,18}")

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            cursor = False
        if cursor is False or (
            cursor is not None
            and cursor.position is not None
            and not self.position_pattern.fullmatch(cursor.position)
        ):
            raise exceptions.ValidationError(
                {"cursor": [_("分页游标无效，请从第一页重新读取")]}, code="invalid_cursor"
            )
        return cursor

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        if not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("每页条数应为1至%(max)d之间的整数") % {"max": self.max_page_size}
                    ]
                },
                code="out_of_range",
            )
        return int(raw)


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="数据不合格：列出全部问题"),
    403: OpenApiResponse(ErrorSerializer, description="未登录，或角色无权这样做"),
    404: OpenApiResponse(ErrorSerializer, description="不存在，或不在您的工作范围内"),
    409: OpenApiResponse(ErrorSerializer, description="该记录已被他人修改，请重新读取后再改"),
}
READ_ERRORS = {code: ERRORS[code] for code in (403, 404)}


class ApiViewSet(viewsets.GenericViewSet):
    """Base of every API view set: JSON only, keyset pages, throttled, one error shape, audit actor."""

    parser_classes = [JSONParser]
    pagination_class = KeysetPagination
    throttle_classes = [ApiUserThrottle]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_exception_handler(self):
        return exception_handler

    def dispatch(self, request, *args, **kwargs):
        self._actor_token = None
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            if self._actor_token is not None:
                audit.current_actor.reset(self._actor_token)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The audit trail's actor: token-authenticated API users are unknown to the session middleware.
        self._actor_token = audit.current_actor.set(request.user)


UNMASK = OpenApiParameter(
    "unmask",
    str,
    enum=["1"],
    description="1：显示完整的证件号码、电话和账号（仅限有权角色，每次都记入审计）",
)


class RegistryAccess(permissions.BasePermission):
    """Reading needs a household-reading role; writing a registry-writing one (or a manager's, for
    the view's `manager_actions`: registering households and changing their status)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.reads_households:
            self.message, self.code = _("您的角色不能查看户和成员的信息"), "role_cannot_read"
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        if view.action in getattr(view, "manager_actions", ()):
            allowed = user.manages_households
        else:
            allowed = user.writes_registry
        if not allowed:
            self.message, self.code = _("您的角色不能修改这些信息"), "role_cannot_write"
        return allowed


class RegistryViewSet(ApiViewSet):
    permission_classes = [RegistryAccess]
    manager_actions: Sequence[str] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.unmask = request.query_params.get("unmask") == "1"
        if self.unmask and not request.user.may_unmask:
            raise exceptions.PermissionDenied(
                _("您的角色不能查看完整的证件号码和电话号码"), code="unmask_not_permitted"
            )
        self.unmasked: list[tuple[Any, str]] = []

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["unmask"] = getattr(self, "unmask", False)
        context["unmasked"] = getattr(self, "unmasked", [])
        return context

    def finalize_response(self, request, response, *args, **kwargs):
        shown = getattr(self, "unmasked", None)
        if shown and response.status_code < 400:
            self._audit_unmasked(request, shown)
        return super().finalize_response(request, response, *args, **kwargs)

    def _audit_unmasked(self, request, shown: list[tuple[Any, str]]) -> None:
        pii.record_unmasked(actor=request.user, shown=shown, via="api", detail={"path": request.path})

    def in_scope(self, model: type, pk: Any) -> Any:
        """The record `pk` among those the user may read; 404 when it is not."""
        queryset = {
            Household: selectors.households_for,
            Member: selectors.members_for,
            Income: selectors.incomes_for,
        }[model](user=self.request.user)
        try:
            number = int(pk)
            if isinstance(pk, bool) or not 1 <= number <= MAX_ID:
                raise ValueError(pk)
            return queryset.get(pk=number)
        except (TypeError, ValueError, OverflowError, model.DoesNotExist):
            raise Http404 from None


# --- request bodies ------------------------------------------------------------------------------------

HOUSEHOLD_FIXED = ("household_no", "village", "status", "exit_year")
MEMBER_EDITABLE = MEMBER_FIELDS
INCOME_EDITABLE = INCOME_FIELDS


def _body(data: Any) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise services.ValidationFailed([Problem("", "invalid", _("请求体应为一个 JSON 对象"))])
    return dict(data)


def _objects(data: Mapping[str, Any], key: str, *, required: bool) -> list[dict[str, Any]]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise services.ValidationFailed(
            [Problem(key, "invalid", _("“%(key)s”应为由 JSON 对象组成的列表") % {"key": key})]
        )
    return [dict(item) for item in value]


def _unknown_keys(
    data: Mapping[str, Any], allowed: Sequence[str], fixed: Sequence[str] = (), prefix: str = ""
) -> list[Problem]:
    problems = []
    for key in data:
        if key in fixed:
            problems.append(
                Problem(f"{prefix}{key}", "read_only", _("“%(key)s”不能在这里修改") % {"key": key})
            )
        elif key not in allowed:
            problems.append(
                Problem(f"{prefix}{key}", "unknown_field", _("不认识的字段“%(key)s”") % {"key": key})
            )
    return problems


def _fail_if(problems: list[Problem]) -> None:
    if problems:
        raise services.ValidationFailed(problems)


def _version(data: Mapping[str, Any]) -> int:
    value = data.get("version")
    if value is None or value == "":
        raise services.ValidationFailed(
            [Problem("version", "required", _("请提供读取时的版本号“version”，以免覆盖他人的修改"))]
        )
    if isinstance(value, bool) or not str(value).isdigit():
        raise services.ValidationFailed(
            [Problem("version", "not_a_number", _("版本号“version”应为整数，现为“%(v)s”") % {"v": value})]
        )
    return int(value)


def _household_values(household: Household) -> dict[str, Any]:
    """A household's editable fields as the validation takes them (a PATCH is merged into these)."""
    return {
        "group": household.group.name if household.group_id else "",
        "attribute": household.attribute,
        "main_cause": household.main_cause,
        "other_causes": household.other_causes,
        "identified_year": household.identified_year,
        "housing_safe": household.housing_safe,
        "water_safe": household.water_safe,
        "phone": household.phone,
        "bank_name": household.bank_name,
        "bank_account": household.bank_account,
    }


# --- view sets -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="户列表（按用户范围）",
        parameters=[UNMASK],
        responses={200: HouseholdListSerializer, 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="户详情：成员、各年收入、状态变更、生产生活条件",
        parameters=[UNMASK],
        responses={200: HouseholdDetailSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="登记新户（户、成员、收入一次提交，全部成功或全部不保存）",
        parameters=[UNMASK],
        request=HouseholdCreateInput,
        responses={201: HouseholdDetailSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    ),
    partial_update=extend_schema(
        summary="修改户信息（须带 version）",
        parameters=[UNMASK],
        request=HouseholdUpdateInput,
        responses={200: HouseholdDetailSerializer, **ERRORS},
    ),
)
class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, RegistryViewSet
):
    """贫困户：只包含您工作范围内的户（帮扶责任人：结对帮扶的户）。"""

    queryset = Household.objects.none()
    filterset_class = HouseholdFilter
    serializer_class = HouseholdListSerializer
    lookup_value_regex = r"\d{1,18}"
    manager_actions = ("create",)

    def get_queryset(self):
        return selectors.households_for(user=self.request.user)

    def get_serializer_class(self):
        return HouseholdListSerializer if self.action == "list" else HouseholdDetailSerializer

    def _detail_response(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        try:
            household = selectors.household_detail(user=self.request.user, pk=pk)
        except Household.DoesNotExist:
            raise Http404 from None
        return Response(self.get_serializer(household).data, status=status_code)

    def retrieve(self, request, pk=None):
        return self._detail_response(int(pk))

    def create(self, request):
        data = _body(request.data)
        members = _objects(data, "members", required=True)
        incomes = _objects(data, "incomes", required=False)
        household = {k: v for k, v in data.items() if k not in ("members", "incomes")}
        allowed_household = (*HOUSEHOLD_EDITABLE, "household_no", "village", "head_id_number")
        problems = _unknown_keys(household, allowed_household)
        for i, member in enumerate(members):
            problems += _unknown_keys(member, MEMBER_EDITABLE, prefix=f"members.{i}.")
        for i, income in enumerate(incomes):
            problems += _unknown_keys(income, INCOME_EDITABLE, prefix=f"incomes.{i}.")
        _fail_if(problems)
        record = services.create_household(
            actor=request.user, household=household, members=members, incomes=incomes
        )
        return self._detail_response(record.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        household = self.in_scope(Household, pk)
        data = _body(request.data)
        version = _version(data)
        changes = {k: v for k, v in data.items() if k != "version"}
        _fail_if(_unknown_keys(changes, HOUSEHOLD_EDITABLE, HOUSEHOLD_FIXED))
        services.update_household(
            actor=request.user,
            household=household,
            data={**_household_values(household), **changes},
            expected_version=version,
        )
        return self._detail_response(household.pk)


@extend_schema_view(
    list=extend_schema(
        summary="成员列表（按用户范围）",
        parameters=[UNMASK],
        responses={200: MemberSerializer, 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="成员详情", parameters=[UNMASK], responses={200: MemberSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="新增成员（户内只能有一名户主；证件号码全系统唯一）",
        parameters=[UNMASK],
        request=MemberCreateInput,
        responses={201: MemberSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    ),
    partial_update=extend_schema(
        summary="修改成员（须带 version）",
        parameters=[UNMASK],
        request=MemberUpdateInput,
        responses={200: MemberSerializer, **ERRORS},
    ),
)
class MemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, RegistryViewSet
):
    """家庭成员：只包含您工作范围内的户的成员（含已减员的，见 on_register）。"""

    queryset = Member.objects.none()
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return selectors.members_for(user=self.request.user)

    def create(self, request):
        data = _body(request.data)
        if data.get("household") in (None, ""):
            raise services.ValidationFailed(
                [Problem("household", "required", _("请指定成员所在的户“household”"))]
            )
        household = self.in_scope(Household, data["household"])
        changes = {k: v for k, v in data.items() if k != "household"}
        _fail_if(_unknown_keys(changes, MEMBER_EDITABLE))
        member = services.add_member(actor=request.user, household=household, data=changes)
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        member = self.in_scope(Member, pk)
        data = _body(request.data)
        version = _version(data)
        changes = {k: v for k, v in data.items() if k != "version"}
        _fail_if(_unknown_keys(changes, MEMBER_EDITABLE, ("household", "sex", "birth_date")))
        current = {name: getattr(member, name) for name in MEMBER_EDITABLE}
        member = services.update_member(
            actor=request.user, member=member, data={**current, **changes}, expected_version=version
        )
        return Response(self.get_serializer(member).data)


def _with_persons(queryset):
    """Incomes annotated with the household's members on the register (for the per-capita figure)."""
    live = (
        Member.objects.filter(household=OuterRef("household_id"), left_on__isnull=True)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(persons=Coalesce(Subquery(live[:1]), 0))


@extend_schema_view(
    list=extend_schema(summary="收入列表（按用户范围）", responses={200: IncomeSerializer, 403: ERRORS[403]}),
    retrieve=extend_schema(summary="某户某年的收入", responses={200: IncomeSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="登记某户一个年度的收入（每户每年一行）",
        request=IncomeCreateInput,
        responses={201: IncomeSerializer, 400: ERRORS[400], 403: ERRORS[403], 404: ERRORS[404]},
    ),
    partial_update=extend_schema(
        summary="修改某年收入（须带 version；年度不能改）",
        request=IncomeUpdateInput,
        responses={200: IncomeSerializer, **ERRORS},
    ),
)
class IncomeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, RegistryViewSet
):
    """各户各年度收入（元）。"""

    queryset = Income.objects.none()
    serializer_class = IncomeSerializer
    filterset_class = IncomeFilter
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return _with_persons(selectors.incomes_for(user=self.request.user))

    def _response(self, income: Income, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=income.pk)).data, status=status_code)

    def create(self, request):
        data = _body(request.data)
        if data.get("household") in (None, ""):
            raise services.ValidationFailed(
                [Problem("household", "required", _("请指定收入所属的户“household”"))]
            )
        household = self.in_scope(Household, data["household"])
        changes = {k: v for k, v in data.items() if k != "household"}
        _fail_if(_unknown_keys(changes, INCOME_EDITABLE))
        income = services.set_income(actor=request.user, household=household, data=changes)
        return self._response(income, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        income = self.in_scope(Income, pk)
        data = _body(request.data)
        version = _version(data)
        changes = {k: v for k, v in data.items() if k != "version"}
        problems = _unknown_keys(changes, INCOME_EDITABLE, ("household",))
        if "year" in changes and str(changes["year"]).strip() != str(income.year):
            problems.append(Problem("year", "read_only", _("收入的年度不能修改；请为新的年度另行登记")))
        _fail_if(problems)
        current = {name: getattr(income, name) for name in INCOME_EDITABLE}
        income = services.set_income(
            actor=request.user,
            household=income.household,
            data={**current, **changes, "year": income.year},
            expected_version=version,
        )
        return self._response(income)
