from django.apps import AppConfig


class QuarantineConfig(AppConfig):
    name = "vigil.quarantine"
    label = "quarantine"
