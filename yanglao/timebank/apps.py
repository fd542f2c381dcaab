from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "yanglao.timebank"
    label = "timebank"
    verbose_name = "时间银行"

    def ready(self) -> None:
        from yanglao.core import ledgers

        from . import workbench  # noqa: F401  (registers the workbench panels)
        from .chain import verify_chain

        ledgers.register("timebank", verify_chain)
