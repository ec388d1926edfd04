"""Counts of the verification and triage worklists, for the home menu and
the dashboard (R-H1). Each counts exactly what its page lists by default, up
to settings.VIGIL_LIST_COUNT_CAP (`capped_count`): the menu shows a badge,
and counting a province's whole queue on every home page view would read
hundreds of thousands of rows."""

from vigil.core.paging import capped_count
from vigil.declarations.models import Declaration

from .queues import for_user


def pending_count(user):
    scoped = for_user(Declaration.objects.visible_to(user), user)
    return capped_count(scoped.awaiting_verification())[0]


def amended_count(user):
    return capped_count(Declaration.objects.visible_to(user).amended())[0]


def medical_count(user):
    return capped_count(Declaration.objects.visible_to(user).awaiting_medical())[0]
