from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "yanglao.alerts"
    label = "alerts"
    verbose_name = "告警、签到与设备"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (registers the workbench panels)
