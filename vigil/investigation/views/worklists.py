"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def reclassified(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def reclassified_done(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def chain_checks(request, **kwargs):
    raise Http404
