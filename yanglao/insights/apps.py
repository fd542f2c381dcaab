from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "yanglao.insights"
    label = "insights"
    verbose_name = "区域概览"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (the workbench panel registers on import)
