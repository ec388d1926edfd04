from django.conf import settings

from .menu import menu_for


def vigil(request):
    user = getattr(request, "user", None)
    return {
        "vigil_site_name": settings.VIGIL_SITE_NAME,
        "menu": menu_for(user) if user is not None and user.is_authenticated else [],
    }
