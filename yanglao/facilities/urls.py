from django.urls import path

from . import views, views_centres, views_ratings

app_name = "facilities"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_edit, name="new"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("gaps/", views.gaps, name="gaps"),
    # Star ratings and grades; Sanming village centres.
    *views_ratings.urlpatterns,
    *views_centres.urlpatterns,
]
