"""Counts of the verification and triage worklists, for the home menu and
the dashboard (R-H1). Each counts exactly what its page lists by default."""

from vigil.declarations.models import Declaration

from .queues import for_user


def pending_count(user):
    scoped = for_user(Declaration.objects.visible_to(user), user)
    return scoped.awaiting_verification().count()


def amended_count(user):
    return Declaration.objects.visible_to(user).amended().count()


def medical_count(user):
    return Declaration.objects.visible_to(user).awaiting_medical().count()
