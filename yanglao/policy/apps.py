from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "yanglao.policy"
    label = "policy"
