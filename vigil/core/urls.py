from django.urls import path

from . import help, views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("language", views.set_language, name="set-language"),
    *help.urlpatterns(),
]
