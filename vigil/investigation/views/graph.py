"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def outbreak_chain(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def outbreak_chain_data(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_chain(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_chain_data(request, **kwargs):
    raise Http404
