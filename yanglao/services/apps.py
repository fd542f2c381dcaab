from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "yanglao.services"
    label = "services"
    verbose_name = "居家养老服务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks, workbench, workbench_meals  # noqa: F401  (jobs and panels register)
