"""Guards for views: who may use a page follows the account's task groups."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def task_required(*tasks):
    """Only accounts holding one of `tasks` may use the view (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not request.user.has_task(*tasks):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
