from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "vigil.areas"
    label = "areas"
