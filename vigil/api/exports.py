"""Excel exports through the API (R-S3, R-N5): the same lists, filters and
files as the "Export" button of every list page.

POST /exports?list=<key>&<the page's query parameters> starts an export; a
small one is written at once (`state` `done`), a larger one is queued for the
background worker: poll GET /exports/{export_id} until `state` is `done` (or
`failed`, with `error`), then download GET /exports/{export_id}/file. Exports
are personal: only the account that started one sees it (404 for everyone
else). Who may export: EXPORT, and the list's own capability (403 otherwise).
"""

import datetime

from ninja import Field, Path, Query, Router, Schema, Status

from vigil.api.common import ErrorOut, response_example
from vigil.core.permissions import EXPORT, api_requires
from vigil.jobs import services as jobs
from vigil.jobs.models import Job
from vigil.reports import services

router = Router(tags=["exports"])

EXPORT_PATH = Path(..., description="The export's `id`.", example=12)
# Optional for the schema so that an account without EXPORT gets 403, not 422;
# a missing or unknown list is 404.
LIST_QUERY = Query(
    "", alias="list", description="The list: `declarations`, `tests`, ...", example="declarations"
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXAMPLE = {
    "id": 12,
    "list_key": "declarations",
    "title": "Danh sách người khai báo về địa phương",
    "filters": {"q": ["tran thi"], "colour": ["red"]},
    "state": "running",
    "total": 52000,
    "done": 18000,
    "percent": 34,
    "error": "",
    "file_name": "declarations-20210821-100000.xlsx",
    "size": 0,
    "created_at": "2021-08-21T10:00:00+07:00",
    "finished_at": None,
}


class ExportOut(Schema):
    id: int
    list_key: str = Field(..., description="The list (`list` of the start request).")
    title: str
    filters: dict[str, list[str]] = Field(
        ..., description="The query parameters it was started with."
    )
    state: str = Field(..., description="`queued`, `running`, `done` or `failed`.")
    total: int = Field(..., description="Rows to write.")
    done: int = Field(..., description="Rows written so far.")
    percent: int
    error: str = Field(..., description="Why it failed; empty otherwise.")
    file_name: str
    size: int = Field(..., description="Bytes of the file, once `done`.")
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


def export_out(job):
    return {
        "id": job.pk,
        "list_key": job.params.get("list", ""),
        "title": job.title,
        "filters": job.params.get("query", {}),
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "percent": 0 if job.state == Job.State.QUEUED else job.percent,
        "error": job.error_message,
        "file_name": job.file_name,
        "size": job.size,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
    }


@router.post(
    "",
    operation_id="vigil_api_exports_start",
    response={201: ExportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Start an export",
    description=(
        "Exports the list named by `list` with the other query parameters as its page's "
        "filters (`q`, `colour`, `commune`, ...: those of the page's address). Up to the "
        "server's threshold of rows the file is written at once (`state` `done`); larger "
        "lists are queued (`queued`, then `running`). 404 for an unknown list, 403 when "
        "the account may not read that list."
    ),
    url_name="exports_start",
    openapi_extra=response_example({**EXAMPLE, "state": "queued", "done": 0, "percent": 0}, 201),
)
@api_requires(EXPORT)
def start(request, list_key: str = LIST_QUERY):
    spec = services.spec_of(list_key)
    return Status(201, export_out(services.start(request.auth, spec, request.GET)))


@router.get(
    "",
    operation_id="vigil_api_exports_mine",
    response={200: list[ExportOut], 401: ErrorOut, 403: ErrorOut},
    summary="My exports",
    description="The account's 50 latest exports, newest first.",
    url_name="exports_mine",
)
@api_requires(EXPORT)
def mine(request):
    return [export_out(jobs.fresh(job)) for job in services.mine(request.auth)[:50]]


@router.get(
    "/{int:export_id}",
    operation_id="vigil_api_exports_progress",
    response={200: ExportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Progress of an export",
    url_name="exports_progress",
    openapi_extra=response_example(EXAMPLE),
)
@api_requires(EXPORT)
def progress(request, export_id: int = EXPORT_PATH):
    return export_out(services.own(request.auth, export_id))


@router.get(
    "/{int:export_id}/file",
    operation_id="vigil_api_exports_file",
    response={200: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Download an export",
    description="The .xlsx file of a `done` export; 404 until then (or once it was removed).",
    url_name="exports_file",
    openapi_extra={"responses": {200: {"description": "The file.", "content": {XLSX: {}}}}},
)
@api_requires(EXPORT)
def download(request, export_id: int = EXPORT_PATH):
    return services.file_response(services.own(request.auth, export_id))
