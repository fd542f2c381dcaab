from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "yanglao.supervision"
    label = "supervision"
    verbose_name = "督查检查与运营评估"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yanglao.policy import validators

        from . import rules, workbench  # noqa: F401  (panels register)

        validators.register(rules.CHECKLIST_RULE, rules.validate_checklist)
        validators.register(rules.RECTIFICATION_RULE, rules.validate_rectification)
        validators.register(rules.ESCALATION_RULE, rules.validate_escalation)
        validators.register(rules.SCHEME_RULE, rules.validate_scheme)
