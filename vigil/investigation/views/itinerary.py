"""Placeholder: replaced by the module's real pages."""

from django.http import Http404

from vigil.core.permissions import READ_CASES, requires


@requires(READ_CASES)
def investigation(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def entry_edit(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def entry_delete(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def attachment_upload(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def attachment_download(request, **kwargs):
    raise Http404


@requires(READ_CASES)
def attachment_delete(request, **kwargs):
    raise Http404
