"""Pages under /supervision/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.inspection_list, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/edit/", views.inspection_edit, name="inspection_edit"),
    path("inspections/<int:pk>/record/", views.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/findings/new/", views.finding_new, name="finding_new"),
    path("findings/", views.finding_list, name="findings"),
    path("overdue/", views.overdue_list, name="overdue"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("evaluations/", views.evaluation_list, name="evaluations"),
    path("evaluations/new/", views.evaluation_new, name="evaluation_new"),
    path("evaluations/flagged/", views.flagged_list, name="flagged"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="evaluation"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
