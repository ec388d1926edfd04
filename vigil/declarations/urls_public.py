"""The citizens' public pages (mounted under /khai-bao/)."""

app_name = "public"
urlpatterns = []
