"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_GUESTS, requires


@requires(READ_GUESTS)
def guest_list(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def guest_detail(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def guest_edit(request, **kwargs):
    raise Http404


@requires(READ_GUESTS)
def check_out(request, **kwargs):
    raise Http404
