from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("", views.estimate, name="estimate"),
]
