from django.urls import path

from . import views_activities as views

urlpatterns = [
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/isolated/", views.isolated_list, name="isolated"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("counts/", views.counts_page, name="counts"),
]
