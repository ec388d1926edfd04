"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def monitoring_list(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def period_detail(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def period_close(request, **kwargs):
    raise Http404
