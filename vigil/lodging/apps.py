from django.apps import AppConfig


class LodgingConfig(AppConfig):
    name = "vigil.lodging"
    label = "lodging"
