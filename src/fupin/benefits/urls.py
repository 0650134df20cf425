from django.urls import path

from . import views

app_name = "benefits"

urlpatterns = [
    path("", views.index, name="index"),
    path("households/<id:pk>/", views.household, name="household"),
    path("households/<id:pk>/claim/", views.claim_create, name="claim_create"),
    path("households/<id:pk>/renovation/", views.renovation_create, name="renovation_create"),
    path("households/<id:pk>/loan/", views.loan_create, name="loan_create"),
    path("claims/<id:pk>/", views.claim_detail, name="claim_detail"),
    path("entitlements/<id:pk>/pay/", views.pay, name="pay"),
    path("bank/", views.bank_page, name="bank"),
    path("bank/export/", views.bank_export, name="bank_export"),
    path("bank/import/", views.bank_import, name="bank_import"),
    path("bank/batches/<id:pk>/", views.bank_batch_file, name="bank_batch_file"),
    path("education/", views.education, name="education"),
    path("education/students/<id:pk>/grant/", views.education_grant, name="education_grant"),
    path("housing/", views.housing, name="housing"),
    path("loans/", views.loans, name="loans"),
    path("dividends/", views.dividends, name="dividends"),
    path("checks/", views.check_list, name="checks"),
]
