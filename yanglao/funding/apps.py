from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "yanglao.funding"
    label = "funding"
    verbose_name = _("资金")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from yanglao.core import ledgers

        from .chain import verify_chain

        ledgers.register("grants", verify_chain)
