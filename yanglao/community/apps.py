from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "yanglao.community"
    label = "community"
    verbose_name = "社区活动与互助"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yanglao.core import ledgers

        from .donations import verify_chain as verify_donations

        ledgers.register("donations", verify_donations)
        from . import workbench  # noqa: F401  (panels register)
