from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "vigil.declarations"
    label = "declarations"
