from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/<str:rule_id>/", views.rule_detail, name="rule_detail"),
    path("rules/<str:rule_id>/override/", views.rule_override, name="rule_override"),
    path("local/<int:pk>/deactivate/", views.rule_deactivate, name="rule_deactivate"),
    path("targets/", views.targets, name="targets"),
]
