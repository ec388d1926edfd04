"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def case_list(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_new(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def source_picker(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_detail(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_edit(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_delete(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_confirm(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def case_send(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def open_case(request, **kwargs):
    raise Http404
