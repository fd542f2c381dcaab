from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "yanglao.visits"
    label = "visits"
    verbose_name = "探访与结对"

    def ready(self) -> None:
        from yanglao.policy import validators

        from . import measures, schedule, signals, workbench  # noqa: F401  (signals, panels, measures)

        validators.register(schedule.SCHEDULE_PREFIX, schedule.validate_schedule_params)
