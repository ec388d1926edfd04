from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("options", views.unit_options, name="options"),
]
