from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.home, name="home"),
    path("<str:code>/", views.region, name="region"),
    path("<str:code>/screen/", views.screen, name="screen"),
]
