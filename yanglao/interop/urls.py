from django.urls import path

from . import views

app_name = "interop"

urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("facilities/<int:pk>/residents/", views.residents, name="residents"),
    path("facilities/<int:pk>/feed/", views.feed, name="feed"),
    path("elders/<int:pk>/fhir/", views.elder_fhir, name="elder_fhir"),
    path("exports/", views.export_page, name="exports"),
]
