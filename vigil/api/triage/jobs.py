"""Re-evaluation jobs: a change of a rule or an epidemic area re-evaluates every
open declaration in the background; the account that started it polls it here.
"""

from django.http import Http404
from ninja import Path

from vigil.api.common import ErrorOut, require, response_example
from vigil.api.triage import router
from vigil.api.triage.schemas import JobOut
from vigil.core.modules import STAFF
from vigil.triage.models import Job


@router.get(
    "/jobs/{int:job_id}",
    operation_id="vigil_api_triage_job",
    response={200: JobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Progress of a re-evaluation",
    description=(
        "Poll it after changing a rule or an epidemic area until `state` is `done` (or "
        "`failed`, with `error`). Only the account that started the job sees it; 404 for "
        "everyone else."
    ),
    url_name="triage_job",
    openapi_extra=response_example(
        {
            "id": 5,
            "kind": "reevaluate_risk",
            "state": "running",
            "total": 100000,
            "done": 42000,
            "percent": 42,
            "error": "",
            "created_at": "2021-08-21T10:00:00+07:00",
            "finished_at": None,
        }
    ),
)
def job(request, job_id: int = Path(..., description="The job's `id`.", example=5)):
    user = request.auth
    require(user, STAFF)
    found = Job.objects.filter(pk=job_id, created_by=user).first()
    if found is None:
        raise Http404
    return {
        "id": found.pk,
        "kind": found.kind,
        "state": found.state,
        "total": found.total,
        "done": found.done,
        "percent": found.percent,
        "error": found.error,
        "created_at": found.created_at,
        "finished_at": found.finished_at,
    }
