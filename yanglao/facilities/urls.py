import importlib

from django.urls import path

from . import views

app_name = "facilities"

urlpatterns = [
    path("", views.facility_list, name="list"),
    path("new/", views.facility_edit, name="new"),
    path("<int:pk>/", views.facility_detail, name="detail"),
    path("<int:pk>/edit/", views.facility_edit, name="edit"),
    path("gaps/", views.gaps, name="gaps"),
]

# Star ratings and Sanming village centres (views_ratings.py, views_centres.py).
for _name in ("views_ratings", "views_centres"):
    try:
        urlpatterns += importlib.import_module(f"{__package__}.{_name}").urlpatterns
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{_name}":
            raise
