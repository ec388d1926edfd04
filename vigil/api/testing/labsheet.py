"""The lab's result sheet through the API (R-T2): the same .xlsx as the import
page, checked whole by vigil.testing.imports before anything is saved."""

from django.http import HttpResponse
from ninja import File, Path, Schema, Status
from ninja.files import UploadedFile

from vigil.api.common import (
    ErrorOut,
    ImportJobOut,
    checked_upload,
    import_job_out,
    import_refusal,
    response_example,
)
from vigil.api.testing import router
from vigil.core.permissions import IMPORT_TESTS, api_requires
from vigil.jobs import services as jobs
from vigil.testing import imports


class LabSheetOut(Schema):
    rows: int
    updated: int
    unknown: list[str]


@router.post(
    "/lab-sheet",
    operation_id="vigil_api_testing_lab_sheet",
    response={200: LabSheetOut, 202: ImportJobOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Import a lab's result sheet (.xlsx)",
    description=(
        'multipart/form-data with `file`: the columns "ID xét nghiệm", "Kết quả" and '
        '"Ngày xét nghiệm" (GET …/lab-sheet/template). Every row is checked first: when '
        "any row is bad nothing is saved and the answer is 422 `invalid_file` with every "
        'bad row in `error.fields.rows` ("Row 5: …"), or the file\'s problem in '
        "`error.fields.file`. Otherwise the results of the caller's jurisdiction are set "
        "by test ID: `updated` rows, and the test IDs found nowhere in it in `unknown`. "
        f"At most {imports.MAX_ROWS} rows and {imports.MAX_BYTES // (1024 * 1024)} MB. "
        "A sheet of many rows (over the server's VIGIL_IMPORT_SYNC_ROWS) is checked and "
        "applied in the background: 202 with its `job_id`; poll GET …/lab-sheet/{job_id}."
    ),
    url_name="testing_lab_sheet",
)
@api_requires(IMPORT_TESTS)
def lab_sheet(request, file: UploadedFile = File(None)):  # noqa: B008
    upload, refused = checked_upload(request, file)
    if refused is not None:
        return refused
    result = imports.import_lab_sheet(upload, request.auth)
    if result.job is not None:
        return Status(202, import_job_out(result.job))
    refused = import_refusal(request, result)
    if refused is not None:
        return refused
    return {"rows": result.rows, "updated": result.updated, "unknown": list(result.unknown)}


@router.get(
    "/lab-sheet/{int:job_id}",
    operation_id="vigil_api_testing_lab_sheet_job",
    response={200: ImportJobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Progress of a lab-sheet import",
    description=(
        "Poll it after a 202 of POST …/lab-sheet until `state` is `done` (`result`) or "
        "`failed` (nothing saved: `error`, and the bad rows in `result.errors`). Only the "
        "account that sent the sheet sees it; 404 for everyone else."
    ),
    url_name="testing_lab_sheet_job",
    openapi_extra=response_example(
        {
            "job_id": 7,
            "state": "done",
            "total": 3000,
            "done": 3000,
            "percent": 100,
            "error": "",
            "result": {"rows": 3000, "updated": 2990, "unknown": ["XN-404"]},
        }
    ),
)
@api_requires(IMPORT_TESTS)
def lab_sheet_job(request, job_id: int = Path(..., description="The `job_id`.", example=7)):
    # Any kind of the caller's jobs, as GET /jobs/{job_id} pages.
    return import_job_out(jobs.own_job(request.auth, job_id))


@router.get(
    "/lab-sheet/template",
    operation_id="vigil_api_testing_lab_sheet_template",
    response={200: None, 401: ErrorOut, 403: ErrorOut},
    summary="The lab sheet's template (.xlsx)",
    url_name="testing_lab_sheet_template",
)
@api_requires(IMPORT_TESTS)
def lab_sheet_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{imports.TEMPLATE_NAME}"'
    return response
