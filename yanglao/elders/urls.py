from django.urls import path

from . import views, views_assessment, views_import

app_name = "elders"

urlpatterns = [
    path("", views.elder_list, name="list"),
    path("new/", views.elder_create, name="create"),
    path("transfers/", views.transfers, name="transfers"),
    path("import/", views_import.import_page, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
    path("import/<int:job_id>/", views_import.import_job, name="import_job"),
    path("import/<int:job_id>/rejects.xlsx", views_import.import_rejects, name="import_rejects"),
    path("transfers/<int:transfer_id>/decide/", views.transfer_decide, name="transfer_decide"),
    path("<int:pk>/", views.elder_detail, name="detail"),
    path("<int:pk>/edit/", views.elder_edit, name="edit"),
    path("<int:pk>/status/", views.elder_status, name="status"),
    path("<int:pk>/reveal/", views.elder_reveal, name="reveal"),
    path("<int:pk>/care-plan/", views.care_plan, name="care_plan"),
    path("<int:pk>/transfer/", views.transfer_offer, name="transfer_offer"),
    path("<int:pk>/assessments/new/", views_assessment.assessment_new, name="assessment_new"),
    path(
        "<int:pk>/assessments/<int:assessment_id>/",
        views_assessment.assessment_detail,
        name="assessment_detail",
    ),
]
