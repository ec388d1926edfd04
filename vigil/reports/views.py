from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.core.permissions import EXPORT, requires
from vigil.jobs import services as jobs
from vigil.jobs.models import Job

from . import services


@require_GET
@requires(EXPORT)
def start(request):
    """ "Kết xuất": the list named by `list`, with the page's filters, to Excel."""
    spec = services.spec_of(request.GET.get("list", ""))
    export = services.start(request.user, spec, request.GET)
    if export.task_id:  # queued for the worker
        messages.info(
            request,
            _("%(n)s rows: the file is being prepared. You can leave this page and find it here.")
            % {"n": export.total},
        )
    elif export.state == Job.State.DONE:
        return services.file_response(export)
    else:
        messages.error(request, _("The export failed: %(error)s") % {"error": export.error_message})
    return redirect("reports:exports")


@requires(EXPORT)
def my_exports(request):
    exports_ = [jobs.fresh(job) for job in services.mine(request.user)[:50]]
    return render(request, "reports/exports.html", {"exports": exports_})


@requires(EXPORT)
def progress(request, export_id):
    return render(
        request, "reports/_export_row.html", {"export": services.own(request.user, export_id)}
    )


@requires(EXPORT)
def download(request, export_id):
    return services.file_response(services.own(request.user, export_id))
