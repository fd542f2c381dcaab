from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "yanglao.notify"
    label = "notify"
    verbose_name = "通知"
