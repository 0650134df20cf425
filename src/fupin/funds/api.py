"""Funds in the API (/api/v1/fund-allocations, /api/v1/fund-projects): read only, scoped like the pages
(selectors), keyset pages, the API's one error shape. Codes are given with their Chinese labels."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers

from fupin.registry.api import READ_ERRORS, ApiViewSet

from . import codes, selectors
from .models import Allocation, Project


class FundsAccess(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not selectors.reads_funds(request.user):
            self.message, self.code = _("您的角色不能查看扶贫资金"), "role_cannot_read"
            return False
        return True


class AllocationSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text="资金来源代码")
    source_label = serializers.SerializerMethodField(help_text="资金来源")
    area = serializers.CharField(source="area_id", read_only=True, help_text="下达到（区划代码）")
    purposes = serializers.SerializerMethodField(help_text="允许的用途（项目类型代码）；空为不限")

    class Meta:
        model = Allocation
        fields = [
            "id",
            "year",
            "document_no",
            "source",
            "source_label",
            "title",
            "area",
            "amount",
            "allocated_on",
            "purposes",
        ]
        read_only_fields = fields

    def get_source_label(self, obj: Allocation) -> str:
        return codes.SOURCE.label(obj.source)

    def get_purposes(self, obj: Allocation) -> list[str]:
        return obj.purpose_codes


class ProjectSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True, help_text="村的区划代码")
    project_type = serializers.CharField(read_only=True, help_text="项目类型代码")
    project_type_label = serializers.SerializerMethodField(help_text="项目类型")
    status = serializers.CharField(read_only=True, help_text="状态代码")
    status_label = serializers.SerializerMethodField(help_text="状态")
    evaluation = serializers.CharField(
        read_only=True, help_text="绩效评价等级代码（excellent/good/fair/poor），未评价为空"
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "village",
            "project_type",
            "project_type_label",
            "allocation",
            "budget",
            "beneficiaries",
            "contractor",
            "contract_amount",
            "status",
            "status_label",
            "proposed_on",
            "approved_on",
            "tender_on",
            "started_on",
            "accepted_on",
            "evaluated_on",
            "evaluation",
        ]
        read_only_fields = fields

    def get_project_type_label(self, obj: Project) -> str:
        return codes.PROJECT_TYPE.label(obj.project_type)

    def get_status_label(self, obj: Project) -> str:
        return codes.PROJECT_STATUS.label(obj.status)


@extend_schema_view(
    list=extend_schema(
        summary="资金下达列表（您工作范围内）", responses={200: AllocationSerializer, **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="一笔资金下达", responses={200: AllocationSerializer, **READ_ERRORS}),
)
class AllocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """资金下达：您工作范围内的（只读）。"""

    queryset = Allocation.objects.none()
    serializer_class = AllocationSerializer
    permission_classes = [FundsAccess]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return selectors.allocations_for(user=self.request.user).order_by("id")


@extend_schema_view(
    list=extend_schema(
        summary="扶贫项目列表（您工作范围内）", responses={200: ProjectSerializer, **READ_ERRORS}
    ),
    retrieve=extend_schema(summary="一个扶贫项目", responses={200: ProjectSerializer, **READ_ERRORS}),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """扶贫项目：您工作范围内的（只读）。"""

    queryset = Project.objects.none()
    serializer_class = ProjectSerializer
    permission_classes = [FundsAccess]
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self):
        return selectors.projects_for(user=self.request.user).order_by("id")
