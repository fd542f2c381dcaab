from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """个人信息保护: notices, consent and legal bases, data requests, anonymisation."""

    name = "yanglao.privacy"
    label = "privacy"
    verbose_name = "个人信息保护"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import workbench  # noqa: F401  (panels register)
