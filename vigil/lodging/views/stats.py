"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_GUESTS, requires


@requires(READ_GUESTS)
def guest_stats(request, **kwargs):
    raise Http404
