from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("audit/export/", views.audit_export, name="audit_export"),
    path("audit/verify/", views.audit_verify, name="audit_verify"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/export/", views.indicator_export, name="indicator_export"),
    path("indicators/import/", views.indicator_import, name="indicator_import"),
    path("indicators/<str:code>/<id:year>/", views.indicator_edit, name="indicator_edit"),
]

urlpatterns += [
    path("tables/", views.report_tables, name="tables"),
    path("tables/download/", views.report_tables_download, name="tables_download"),
]

urlpatterns += [path("dashboard/", views.dashboard_page, name="dashboard")]
