from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "yanglao.people"
    label = "people"
