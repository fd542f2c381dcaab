from django.apps import AppConfig


class OpsConfig(AppConfig):
    """运维: backup and restore, the application's database role, audit retention."""

    name = "yanglao.ops"
    label = "ops"
    verbose_name = "运维与安全"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import retention  # noqa: F401  (registers the legal floors of the retention rules)
