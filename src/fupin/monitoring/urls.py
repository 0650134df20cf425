from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("run/", views.run, name="run"),
    path("findings/", views.finding_list, name="findings"),
    path("findings/<id:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<id:pk>/decide/", views.finding_decide, name="finding_decide"),
    path("lists/", views.list_index, name="lists"),
    path("lists/<id:pk>/", views.list_detail, name="list_detail"),
    path("risks/", views.risk_list, name="risks"),
    path("risks/events/", views.risk_event_add, name="risk_event_add"),
    path("civil/exchanges/", views.exchanges, name="exchanges"),
    path("civil/covered/", views.covered, name="covered"),
    path("systems/", views.systems, name="systems"),
    path("systems/<id:pk>/revoke/", views.system_revoke, name="system_revoke"),
]
