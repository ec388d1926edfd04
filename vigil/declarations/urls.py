from django.urls import path

from . import urls_staff, views

app_name = "declarations"
urlpatterns = [
    path("<int:declaration_id>/", views.declaration_detail, name="detail"),
    path("<int:declaration_id>/review/", views.review, name="review"),
    path("scan/", views.scan, name="scan"),
    path("external/", views.external_qr, name="external"),
    *urls_staff.urlpatterns,
]
