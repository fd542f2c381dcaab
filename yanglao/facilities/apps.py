from django.apps import AppConfig


class FacilitiesConfig(AppConfig):
    name = "yanglao.facilities"
    label = "facilities"
    verbose_name = "养老服务设施"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import importlib

        # Workbench panels and target measures register on import (modules added by
        # each part of the capability).
        for name in ("workbench", "measures", "measures_sanming", "workbench_sanming"):
            try:
                importlib.import_module(f"{__package__}.{name}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{__package__}.{name}":
                    raise
