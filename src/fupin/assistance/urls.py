from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.home, name="home"),
    path("coverage/", views.coverage, name="coverage"),
    path("helpers/", views.helpers, name="helpers"),
    path("helpers/new/", views.helper_create, name="helper_create"),
    path("units/new/", views.unit_create, name="unit_create"),
    path("households/<id:pk>/assign/", views.assign, name="assign"),
    path("villages/<str:code>/assign/", views.assign_village, name="assign_village"),
    path("households/<id:pk>/plan/", views.plan, name="plan"),
    path("plan-items/<id:pk>/state/", views.item_state, name="item_state"),
    path("households/<id:pk>/measures/new/", views.measure_add, name="measure_add"),
    path("households/<id:pk>/visits/new/", views.visit_add, name="visit_add"),
    path("photos/<id:pk>/", views.photo, name="photo"),
    path("photos/<id:pk>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("compliance/", views.compliance, name="compliance"),
    path("checks/", views.checks, name="checks"),
    path("households/<id:pk>/handbook.pdf", views.handbook, name="handbook"),
    path("villages/<str:code>/handbook.pdf", views.village_handbook, name="village_handbook"),
    path("left-behind/", views.left_behind, name="left_behind"),
    path("left-behind/refresh/", views.left_behind_refresh, name="left_behind_refresh"),
]
