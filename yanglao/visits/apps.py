from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "yanglao.visits"
    label = "visits"
    verbose_name = "探访与结对"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (registers the workbench panels)
