from django.apps import AppConfig


class TestingConfig(AppConfig):
    name = "vigil.testing"
    label = "testing"
