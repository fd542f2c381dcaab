from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "yanglao.dashboard"
    label = "dashboard"
