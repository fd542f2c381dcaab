from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("", views.organization_tree, name="organizations"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization"),
    path("members/", views.member_list, name="members"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<int:pk>/", views.institution_requirements, name="requirements"),
    path("coverage/", views.coverage, name="coverage"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("missing/", views.missing, name="missing"),
]
