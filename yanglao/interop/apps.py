from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "yanglao.interop"
    label = "interop"
    verbose_name = "系统对接"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (panels register)
