from django.urls import path

from . import views

app_name = "funds"
urlpatterns = [
    path("", views.index, name="index"),
    path("villages/<str:code>/", views.village, name="village"),
    path("allocations/", views.allocations, name="allocations"),
    path("allocations/per-person/", views.allocate_per_person, name="allocate_per_person"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<id:pk>/", views.project_detail, name="project_detail"),
    path("projects/<id:pk>/advance/", views.project_advance, name="project_advance"),
    path("projects/<id:pk>/expenses/", views.project_expense, name="project_expense"),
    path("projects/<id:pk>/documents/", views.project_document, name="project_document"),
    path("documents/<id:pk>/", views.document_download, name="document_download"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
    path("findings/", views.findings, name="findings"),
    path("loans/", views.loans, name="loans"),
]
