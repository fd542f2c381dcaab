from django.apps import AppConfig


class PartyConfig(AppConfig):
    name = "yanglao.party"
    label = "party"
    verbose_name = "党建"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import measures, workbench  # noqa: F401  (indicator measures and panels register)
