from django.urls import path

from . import api

urlpatterns = [
    path(
        "interchange/<slug:system>/civil-list/",
        api.CivilListPush.as_view(),
        name="api-interchange-civil-list",
    ),
    path("interchange/<slug:system>/status/", api.RegistryStatus.as_view(), name="api-interchange-status"),
]
