"""Read-only API of benefits: a household's entitlements and payments (`/api/v1/benefit-entitlements/`,
`/api/v1/benefit-payments/`), scoped like the registry's API. A payment's account is always masked (last
four digits): the full number goes only to the bank, in the batch file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers

from fupin.core import pii
from fupin.registry.api import ERRORS, READ_ERRORS, ApiViewSet, RegistryAccess
from fupin.registry.filters import IdFilter, YearFilter

from . import selectors
from .models import Entitlement, Kind, Payment


class EntitlementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Entitlement
        fields = ["id", "household", "member", "kind", "year", "amount", "stage", "description", "claim"]


class PaymentSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text=_("付款编号"))
    bank_account = serializers.SerializerMethodField(help_text=_("一卡通账号（只显示后四位）"))

    class Meta:
        model = Payment
        fields = [
            "id",
            "reference",
            "entitlement",
            "household",
            "amount",
            "bank_name",
            "bank_account",
            "status",
            "failure_reason",
            "paid_for",
            "settled_on",
        ]

    def get_bank_account(self, payment: Payment) -> str:
        return pii.mask_account(payment.bank_account)


class EntitlementFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id", help_text=_("户的 id"))
    year = YearFilter(field_name="year", help_text=_("年度"))
    kind = filters.ChoiceFilter(choices=Kind.choices, help_text=_("类别"))


class PaymentFilter(filters.FilterSet):
    household = IdFilter(field_name="household_id", help_text=_("户的 id"))
    status = filters.ChoiceFilter(choices=Payment.Status.choices, help_text=_("状态"))


class BenefitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    permission_classes = [RegistryAccess]
    http_method_names = ["get", "head", "options"]
    lookup_value_regex = r"\d{1,18}"


@extend_schema_view(
    list=extend_schema(
        summary="应享待遇列表（按用户范围）", responses={200: EntitlementSerializer, 403: ERRORS[403]}
    ),
    retrieve=extend_schema(summary="一项应享待遇", responses={200: EntitlementSerializer, **READ_ERRORS}),
)
class EntitlementViewSet(BenefitViewSet):
    """各户应享待遇（医疗救助、教育生活补助、危房改造补助、小额信贷贴息、资产收益分红），金额单位元。"""

    queryset = Entitlement.objects.none()
    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilter

    def get_queryset(self):
        return selectors.entitlements_for(user=self.request.user).order_by("pk")


@extend_schema_view(
    list=extend_schema(
        summary="付款列表（按用户范围）", responses={200: PaymentSerializer, 403: ERRORS[403]}
    ),
    retrieve=extend_schema(summary="一笔付款", responses={200: PaymentSerializer, **READ_ERRORS}),
)
class PaymentViewSet(BenefitViewSet):
    """付往各户一卡通的付款及银行处理结果；支付失败的仍为未付。"""

    queryset = Payment.objects.none()
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return selectors.payments_for(user=self.request.user).order_by("pk")
