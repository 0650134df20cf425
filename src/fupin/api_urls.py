from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from fupin.areas.api import VillageViewSet
from fupin.benefits.api import EntitlementViewSet, PaymentViewSet
from fupin.funds.api import AllocationViewSet, ProjectViewSet
from fupin.registry.api import HouseholdViewSet, IncomeViewSet, MemberViewSet

router = SimpleRouter()
router.register("villages", VillageViewSet, basename="api-village")
router.register("households", HouseholdViewSet, basename="api-household")
router.register("members", MemberViewSet, basename="api-member")
router.register("incomes", IncomeViewSet, basename="api-income")
router.register("fund-allocations", AllocationViewSet, basename="api-fund-allocation")
router.register("fund-projects", ProjectViewSet, basename="api-fund-project")
router.register("benefit-entitlements", EntitlementViewSet, basename="api-benefit-entitlement")
router.register("benefit-payments", PaymentViewSet, basename="api-benefit-payment")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
    path("", include("fupin.monitoring.api_urls")),
]
