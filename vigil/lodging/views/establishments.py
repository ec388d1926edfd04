"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_GUESTS, requires


@requires(READ_GUESTS)
def establishment_list(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def establishment_new(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def establishment_detail(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def establishment_edit(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def token_new(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def token_revoke(request, **kwargs):
    raise Http404
