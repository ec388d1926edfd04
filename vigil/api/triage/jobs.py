"""Re-evaluation jobs: a change of a rule or an epidemic area re-evaluates every
open declaration in the background; the account that started it polls it here.
"""

from ninja import Path

from vigil.api.common import ErrorOut, response_example
from vigil.api.triage import router
from vigil.api.triage.schemas import JobOut
from vigil.core.permissions import READ_RULES, api_requires
from vigil.jobs import services as jobs
from vigil.triage.services import REEVALUATE


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
@api_requires(READ_RULES)
def job(request, job_id: int = Path(..., description="The job's `id`.", example=5)):
    found = jobs.own_job(request.auth, job_id, kind=REEVALUATE)
    return {
        "id": found.pk,
        "kind": found.kind,
        "state": found.state,
        "total": found.total,
        "done": found.done,
        "percent": found.percent,
        "error": found.error_message,
        "created_at": found.created_at,
        "finished_at": found.finished_at,
    }
