from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("villages/", views.village_table, name="village_table"),
    path("targets/", views.targets_page, name="targets"),
    path("whatif/", views.whatif, name="whatif"),
    path("whatif/result/", views.whatif_result, name="whatif_result"),
    path("households/<id:pk>/explain/", views.household_explain, name="household_explain"),
    path("api/households/<id:pk>/explain/", views.household_explain_api, name="household_explain_api"),
]
