from django.urls import path

from . import views

app_name = "timebank"

urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.my, name="my"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("pools/", views.pools, name="pools"),
    path("pools/<str:county>/", views.pool_detail, name="pool"),
    path("report/", views.report, name="report"),
    path("txn/<uuid:txn>/", views.txn_detail, name="txn"),
]
