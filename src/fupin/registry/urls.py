from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("new/", views.household_create, name="household_create"),
    path("new/member-row/", views.member_row, name="member_row"),
    path("<id:pk>/", views.household_detail, name="household_detail"),
    path("<id:pk>/unmask/", views.household_unmask, name="household_unmask"),
    path("<id:pk>/edit/", views.household_edit, name="household_edit"),
    path("<id:pk>/conditions/", views.conditions_edit, name="conditions_edit"),
    path("<id:pk>/head/", views.change_head, name="change_head"),
    path("<id:pk>/members/new/", views.member_add, name="member_add"),
    path("<id:pk>/members/<id:member_pk>/edit/", views.member_edit, name="member_edit"),
    path("<id:pk>/members/<id:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<id:pk>/incomes/new/", views.income_add, name="income_add"),
    path("<id:pk>/incomes/<id:year>/edit/", views.income_edit, name="income_edit"),
]
