from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.accounts.decorators import task_required
from vigil.core.modules import STAFF

from . import (
    exports,
    registry,  # noqa: F401  (registers the lists)
    services,
)
from .models import Export


def _own(request, export_id):
    # Exports are personal: the owner is the scope.
    export = Export.objects.filter(user=request.user, pk=export_id).first()
    if export is None:
        raise Http404
    return export


@require_GET
@task_required(*STAFF)
def start(request):
    """ "Kết xuất": the list named by `list`, with the page's filters, to Excel."""
    spec = exports.REGISTRY.get(request.GET.get("list", ""))
    if spec is None:
        raise Http404
    export = services.start(request.user, spec, request.GET)
    if export.state == Export.State.DONE:
        return _file(export)
    if export.state == Export.State.FAILED:
        messages.error(request, _("The export failed: %(error)s") % {"error": export.error})
    else:
        messages.info(
            request,
            _("%(n)s rows: the file is being prepared. You can leave this page and find it here.")
            % {"n": export.total},
        )
    return redirect("reports:exports")


@task_required(*STAFF)
def my_exports(request):
    exports_ = Export.objects.filter(user=request.user)[:50]
    return render(request, "reports/exports.html", {"exports": exports_})


@task_required(*STAFF)
def progress(request, export_id):
    return render(request, "reports/_export_row.html", {"export": _own(request, export_id)})


@task_required(*STAFF)
def download(request, export_id):
    export = _own(request, export_id)
    if export.state != Export.State.DONE:
        raise Http404
    return _file(export)


def _file(export):
    try:
        handle = open(export.path, "rb")  # noqa: SIM115  (closed by FileResponse)
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=export.file_name)
