from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.alert_list, name="list"),
    path("<int:pk>/", views.alert_detail, name="detail"),
    path("checkins/", views.checkin_today, name="checkins"),
    path("checkins/plan/", views.checkin_plan, name="checkin_plan"),
    path("checkins/<int:plan_id>/confirm/", views.checkin_confirm, name="checkin_confirm"),
    path("devices/", views.device_list, name="devices"),
    path("devices/<int:pk>/", views.device_detail, name="device"),
]
