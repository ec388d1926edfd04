from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from vigil.core.permissions import READ_RULES, requires

from . import services
from .models import Job

# What each kind of job is called on its page, and what it does.
KINDS = {
    "reevaluate_risk": (
        _("Re-evaluating the risk"),
        _(
            "Every declaration not yet medically verified gets its colour again from the "
            "current rules and epidemic areas."
        ),
    ),
    "export": (_("Export to Excel"), ""),
    "paper_import": (
        _("Importing paper forms"),
        _(
            "Every row is checked first, then all are saved; when any row is wrong "
            "nothing is saved."
        ),
    ),
    "lab_import": (
        _("Importing a lab sheet"),
        _(
            "Every row is checked first, then all results are set; when any row is wrong "
            "nothing is saved."
        ),
    ),
}
# Where "Back" leads (`?back=`), by name; each kind has its default.
BACK_PAGES = {
    "rules": "triage:rules",
    "areas": "triage:areas",
    "exports": "reports:exports",
    "paper_import": "declarations:import",
    "lab_import": "testing:import",
}
DEFAULT_BACK = {
    "reevaluate_risk": "rules",
    "export": "exports",
    "paper_import": "paper_import",
    "lab_import": "lab_import",
}


@require_GET
@requires(READ_RULES)
def job(request, job_id):
    """A job's progress; the fragment polls itself every second until it ends.
    Only the account that started the job sees it (404 for everyone else)."""
    found = services.own_job(request.user, job_id)
    title, description = KINDS.get(found.kind, (found.title or found.kind, ""))
    back = request.GET.get("back", "")
    back = back if back in BACK_PAGES else DEFAULT_BACK.get(found.kind, "rules")
    context = {
        "job": found,
        "title": title,
        "description": description,
        # Job.percent says 100 for a job that has not counted its work yet.
        "percent": 0 if found.state == Job.State.QUEUED else found.percent,
        "back_url": reverse(BACK_PAGES[back]),
        "poll_url": request.get_full_path(),
    }
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_job.html", context)
    return render(request, "jobs/job.html", context)
