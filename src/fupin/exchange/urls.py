from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/<id:pk>/", views.import_job, name="import_job"),
    path("import/<id:pk>/progress/", views.import_progress, name="import_progress"),
    path("import/<id:pk>/report.json", views.import_report, name="import_report"),
    path("import/<id:pk>/marked.xlsx", views.import_marked, name="import_marked"),
    path("template.xlsx", views.template_download, name="template"),
    path("export/", views.export, name="export"),
]
