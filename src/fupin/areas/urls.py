from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.village_list, name="village_list"),
    path("new/", views.village_create, name="village_create"),
    path("<str:code>/", views.village_detail, name="village_detail"),
    path("<str:code>/years/new/", views.village_year_add, name="village_year_add"),
    path("<str:code>/years/<id:year>/edit/", views.village_year_edit, name="village_year_edit"),
]
