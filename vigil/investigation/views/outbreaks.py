"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def outbreak_list(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def outbreak_edit(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def outbreak_delete(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def outbreak_map(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def map_data(request, **kwargs):
    raise Http404
