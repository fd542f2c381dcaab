from django.urls import path

from . import views

app_name = "party"

urlpatterns = [
    path("", views.organization_tree, name="organizations"),
    path("orgs/new/", views.organization_new, name="organization_new"),
    path("orgs/<int:pk>/", views.organization_detail, name="organization"),
    path("orgs/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("members/", views.member_list, name="members"),
    path("members/new/", views.member_new, name="member_new"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/end/", views.member_end, name="member_end"),
    path("dispatches/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatches/<int:pk>/end/", views.dispatch_end, name="dispatch_end"),
    path("institutions/", views.institution_list, name="institutions"),
    path("institutions/<int:pk>/", views.institution_requirements, name="requirements"),
    path("coverage/", views.coverage, name="coverage"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("missing/", views.missing, name="missing"),
]
