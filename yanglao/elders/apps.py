from django.apps import AppConfig


class EldersConfig(AppConfig):
    name = "yanglao.elders"
    label = "elders"

    def ready(self) -> None:
        from yanglao.policy import validators

        from . import (
            categories,
            risk,
            tasks,  # noqa: F401  (register the periodic job)
        )

        validators.register(categories.GROUP_PREFIX, categories.validate_group_params)
        validators.register(risk.RISK_RULE, risk.validate_risk_params)
