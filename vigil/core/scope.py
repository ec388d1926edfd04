"""The one jurisdiction mechanism (DESIGN.md, "must be right from day one").

Every model whose rows belong to a place stores the materialised path of its
administrative unit (``46/474/19900/``) in an indexed column. Its queryset is a
``ScopedQuerySet``, and the only way views, API endpoints, statistics and
exports read such rows is ``Model.objects.visible_to(user)``. Records outside a
user's scope are answered with 404 through ``get_for_user`` so that nothing
leaks, not even the existence of a record.
"""

from django.db import models
from django.http import Http404


def scope_path(user):
    """The area path a user may see below, or None when they may see nothing.

    Inactive or anonymous users, and accounts without a jurisdiction, see
    nothing. Later jurisdictions (a facility, an establishment, a checkpoint)
    extend this function, not the call sites.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    path = getattr(user, "jurisdiction_path", "")
    return path or None


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows carry an area path in `scope_field`."""

    scope_field = "area_path"

    def visible_to(self, user):
        path = scope_path(user)
        if path is None:
            return self.none()
        return self.filter(**{f"{self.scope_field}__startswith": path})


def get_for_user(queryset, user, **lookup):
    """One object of `queryset` inside `user`'s scope, or 404.

    Like healthchecks' `_get_check_for_user`: out-of-scope and missing records
    are indistinguishable to the caller.
    """
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def in_scope(user, path):
    """True when a single area path is inside `user`'s jurisdiction."""
    base = scope_path(user)
    return base is not None and bool(path) and path.startswith(base)
