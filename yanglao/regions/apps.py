from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "yanglao.regions"
    label = "regions"
