from django.apps import AppConfig


class EldersConfig(AppConfig):
    name = "yanglao.elders"
    label = "elders"
