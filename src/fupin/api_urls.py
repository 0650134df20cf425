from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from fupin.areas.api import VillageViewSet
from fupin.registry.api import HouseholdViewSet, IncomeViewSet, MemberViewSet

router = SimpleRouter()
router.register("villages", VillageViewSet, basename="api-village")
router.register("households", HouseholdViewSet, basename="api-household")
router.register("members", MemberViewSet, basename="api-member")
router.register("incomes", IncomeViewSet, basename="api-income")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
    path("", include("fupin.monitoring.api_urls")),
]
