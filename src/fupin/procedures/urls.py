from django.urls import path

from . import views

app_name = "procedures"
urlpatterns = [
    path("", views.work_list, name="work_list"),
    path("exit-candidates/", views.exit_candidates, name="exit_candidates"),
    path("start/<id:household>/<slug:kind>/", views.start, name="start"),
    path("<id:pk>/", views.detail, name="detail"),
    path("<id:pk>/act/", views.act, name="act"),
    path("<id:pk>/objections/", views.objection_add, name="objection_add"),
    path("objections/<id:pk>/resolve/", views.objection_resolve, name="objection_resolve"),
    path("notices/<id:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
]
