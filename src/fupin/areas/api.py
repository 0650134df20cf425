"""Villages in the API (/api/v1/villages): read only, aggregates only, for every aggregate-reading role.

An upper-level user sees here the villages of its area with their counts, but no household.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions
from rest_framework.response import Response

from fupin.core.scope import code_prefix
from fupin.registry.api import ERRORS, ApiViewSet, KeysetPagination

from . import selectors
from .models import Area
from .serializers import VillageSerializer


class VillageFilter(filters.FilterSet):
    town = filters.CharFilter(
        method="_prefix",
        validators=[RegexValidator(r"^\d{9}$", gettext_lazy("乡镇代码应为9位数字"), code="unknown_code")],
        help_text=gettext_lazy("乡镇的9位区划代码"),
    )
    code = filters.CharFilter(
        method="_prefix",
        validators=[RegexValidator(r"^\d{1,12}$", gettext_lazy("区划代码只能是数字"), code="unknown_code")],
        help_text=gettext_lazy("区划代码前缀"),
    )

    def _prefix(self, queryset, name, value):
        # A range on the code (core.scope), which an index serves on SQLite too.
        return queryset.filter(code_prefix("code", value)) if value else queryset


class AggregateAccess(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.reads_aggregates:
            self.message, self.code = _("您的角色不能查看村的汇总数据"), "role_cannot_read"
            return False
        return True


class VillagePagination(KeysetPagination):
    ordering = "code"
    position_pattern = re.compile(r"\d{1,15}")


@extend_schema_view(
    list=extend_schema(
        summary="村列表：最近一年村情况、各状态户数与在册人数",
        responses={200: VillageSerializer, 403: ERRORS[403]},
    ),
    retrieve=extend_schema(
        summary="一个村", responses={200: VillageSerializer, 403: ERRORS[403], 404: ERRORS[404]}
    ),
)
class VillageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """村：您工作范围内的村（只读）。"""

    queryset = Area.objects.none()
    serializer_class = VillageSerializer
    filterset_class = VillageFilter
    permission_classes = [AggregateAccess]
    pagination_class = VillagePagination
    lookup_field = "code"
    lookup_value_regex = r"\d{12}"

    def get_queryset(self):
        return selectors.villages_for(user=self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        summaries = selectors.village_summaries(villages=list(page))
        return self.get_paginated_response(self.get_serializer(summaries, many=True).data)

    def retrieve(self, request, code=None):
        village = selectors.village_for(user=request.user, code=code)
        summary = selectors.village_summaries(villages=[village])[0]
        return Response(self.get_serializer(summary).data)
