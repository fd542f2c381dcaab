from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("my/", views.my_week, name="my_week"),
    path("new/<int:elder_id>/", views.visit_new, name="new"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/photo", views.visit_photo, name="photo"),
    path("overdue/", views.overdue, name="overdue"),
    path("compliance/", views.compliance, name="compliance"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/close/", views.follow_up_close, name="follow_up_close"),
    path("visitors/", views.visitors, name="visitors"),
    path("visitors/<int:pk>/", views.visitor_detail, name="visitor"),
    path("unpaired/", views.unpaired, name="unpaired"),
]
