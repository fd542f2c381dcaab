from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """工作报告与明白卡: monthly and quarterly work reports per region, the plain-language
    entitlement card (明白卡) per elder and the public policy page."""

    name = "yanglao.reports"
    label = "reports"
    verbose_name = "工作报告与明白卡"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (panels register)
