from django.urls import path

from . import views

app_name = "regions"

urlpatterns = [
    path("", views.tree, name="tree"),
    path("import/", views.import_sheet, name="import"),
    path("import/rejects.xlsx", views.import_rejects, name="import_rejects"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/edit/", views.edit, name="edit"),
]
