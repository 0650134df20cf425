from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("new/", views.household_create, name="household_create"),
    path("new/member-row/", views.member_row, name="member_row"),
    path("<int:pk>/", views.household_detail, name="household_detail"),
    path("<int:pk>/unmask/", views.household_unmask, name="household_unmask"),
    path("<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:pk>/status/", views.status_change, name="status_change"),
    path("<int:pk>/conditions/", views.conditions_edit, name="conditions_edit"),
    path("<int:pk>/head/", views.change_head, name="change_head"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/incomes/new/", views.income_add, name="income_add"),
    path("<int:pk>/incomes/<int:year>/edit/", views.income_edit, name="income_edit"),
]
