from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "yanglao.planning"
    label = "planning"
    verbose_name = "规划任务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Target measures register on import.
        from . import measures  # noqa: F401
