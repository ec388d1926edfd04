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
    """A queryset whose rows carry an area path in `scope_field`.

    An account whose jurisdiction is a quarantine facility (a facility
    manager) sees only the rows that `facility_field` links to that facility,
    and nothing of a model that has no such link.
    """

    scope_field = "area_path"
    # Further path columns, any of which puts a row in scope (a case record
    # belongs to where it was detected and to where the person lives).
    extra_scope_fields = ()
    facility_field = None
    # For an accommodation establishment's account: the rows linked to its
    # establishment (its guests and their declarations); None: nothing.
    establishment_field = None

    def visible_to(self, user, *, one_path=False):
        """The rows inside `user`'s jurisdiction.

        `one_path=True`: the caller knows that no administrative unit lies
        below the user's area (a commune without villages: `areas.refdata.
        has_units_below`), so every row inside it carries that very path
        (rows copy their unit's path). The scope is then an equality, which
        reads the scope index's range in the order of its next column (the
        person, the id): PostgreSQL can merge two such tables instead of
        hashing the whole area of one. It can only narrow, never widen,
        what an account sees; accounts of a facility or an establishment,
        and models with further scope columns, are not affected.
        """
        path = scope_path(user)
        if path is None:
            return self.none()
        establishment_id = getattr(user, "establishment_id", None)
        if establishment_id:
            if self.establishment_field is None:
                return self.none()
            linked = self.model.objects.filter(**{self.establishment_field: establishment_id})
            return self.filter(pk__in=linked.values("pk"))
        facility_id = getattr(user, "facility_id", None)
        if facility_id:
            if self.facility_field is None:
                return self.none()
            # A subquery rather than a join: a person with three stays in the
            # facility is still one row.
            linked = self.model.objects.filter(**{self.facility_field: facility_id})
            return self.filter(pk__in=linked.values("pk"))
        if one_path and not self.extra_scope_fields:
            return self.filter(**{self.scope_field: path})
        inside = models.Q(**{f"{self.scope_field}__startswith": path})
        for field in self.extra_scope_fields:
            inside |= models.Q(**{f"{field}__startswith": path})
        return self.filter(inside)

    def in_intake_reach(self, user):
        """Rows of the people `user` may take into quarantine (`intake_path`):
        `visible_to` for every account but a facility's."""
        if not getattr(user, "facility_id", None):
            return self.visible_to(user)
        path = intake_path(user)
        if path is None:
            return self.none()
        return self.filter(**{f"{self.scope_field}__startswith": path})


def intake_path(user):
    """The area whose people a user may take into quarantine, or None.

    Their own scope, except for a facility account: its scope is its facility,
    which holds nobody before the intake, so it reaches the people arriving in
    the facility's district (`facility_reach_path`).
    """
    path = scope_path(user)
    if path is None or not getattr(user, "facility_id", None):
        return path
    return facility_reach_path(user.facility)


def facility_reach_path(facility):
    """The district of a facility (the unit above its commune), or the commune
    itself when no district is above it (the two-level tree)."""
    from .levels import Level

    parent = facility.area.parent
    if parent is not None and parent.level == Level.DISTRICT:
        return parent.path
    return facility.area.path


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
