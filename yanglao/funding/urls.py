from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.estimate, name="estimate"),
    path("grants/", views.grants, name="grants"),
    path("grants/<uuid:grant>/", views.grant_detail, name="grant"),
    path("running-costs/", views.running_costs, name="running_costs"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("budget/", views.budget_page, name="budget"),
]
