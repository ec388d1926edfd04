"""The other ways staff enter declarations (R-D2, R-D5): a sheet of paper
forms (.xlsx, the import page's format, checked whole by
vigil.declarations.imports before anything is saved) and the QR code of the
national health-declaration system or of a citizen ID card
(vigil.declarations.external), completed with what the province needs."""

from django.utils.translation import gettext as _
from ninja import Field, File, Path, Schema, Status
from ninja.files import UploadedFile

from vigil.api.common import (
    ErrorOut,
    ImportJobOut,
    body_example,
    checked_upload,
    error,
    import_job_out,
    import_refusal,
    invalid,
    response_example,
)
from vigil.api.declarations import router
from vigil.api.declarations.output import queryset, staff_out
from vigil.api.declarations.schemas import (
    EXAMPLE_CITIZEN,
    IDEMPOTENCY_HEADER,
    CitizenDeclarationIn,
    StaffDeclarationOut,
)
from vigil.api.declarations.translate import scoped_key, validate
from vigil.core.permissions import ENTER_DECLARATION, SEE_IDENTITY, api_requires, may
from vigil.core.scope import in_scope
from vigil.declarations import external, imports, services
from vigil.declarations.models import Channel
from vigil.jobs import services as jobs

INVALID_QR = "invalid_code"
EXAMPLE_QR = '{"hoTen": "Nguyễn Văn Đức", "cccd": "046090001234", "sdt": "0905111222"}'


class PaperImportOut(Schema):
    rows: int
    created: int
    already: int = Field(..., description="Rows imported before (the same row again).")
    codes: list[str] = Field(..., description="The declarations' codes, in the sheet's order.")


@router.post(
    "/paper-import",
    operation_id="vigil_api_declarations_paper_import",
    response={200: PaperImportOut, 202: ImportJobOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Import a sheet of paper declarations (.xlsx)",
    description=(
        "multipart/form-data with `file`, in the format of the import page's template. "
        "Every row is checked first: when any row is bad nothing is saved and the answer "
        "is 422 `invalid_file` with every bad row in `error.fields.rows`. A row imported "
        "before is not saved twice (`already`). A file that is too large, not the "
        "template, or too long is refused whole (422, `error.fields.file`). A file of "
        "many rows (over the server's VIGIL_IMPORT_SYNC_ROWS) is checked and saved in "
        "the background: 202 with its `job_id`; poll GET …/paper-import/{job_id}."
    ),
    url_name="declaration_paper_import",
)
@api_requires(ENTER_DECLARATION)
def paper_import(request, file: UploadedFile = File(None)):  # noqa: B008
    upload, refused = checked_upload(request, file)
    if refused is not None:
        return refused
    result = imports.import_paper_forms(upload, request.auth, request=request)
    if result.job is not None:
        return Status(202, import_job_out(result.job))
    refused = import_refusal(request, result)
    if refused is not None:
        return refused
    return {
        "rows": result.rows,
        "created": result.created,
        "already": result.already,
        "codes": [d.code for d in result.declarations],
    }


@router.get(
    "/paper-import/{int:job_id}",
    operation_id="vigil_api_declarations_paper_import_job",
    response={200: ImportJobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Progress of a paper-declaration import",
    description=(
        "Poll it after a 202 of POST …/paper-import until `state` is `done` (`result` "
        "counts the rows saved) or `failed` (nothing saved: `error`, and the bad rows in "
        "`result.errors`). Only the account that sent the file sees it; 404 for everyone "
        "else."
    ),
    url_name="declaration_paper_import_job",
    openapi_extra=response_example(
        {
            "job_id": 7,
            "state": "done",
            "total": 3000,
            "done": 3000,
            "percent": 100,
            "error": "",
            "result": {"rows": 800, "created": 795, "already": 5},
        }
    ),
)
@api_requires(ENTER_DECLARATION)
def paper_import_job(request, job_id: int = Path(..., description="The `job_id`.", example=7)):
    # Any kind of the caller's jobs, as GET /jobs/{job_id} pages.
    return import_job_out(jobs.own_job(request.auth, job_id))


class ExternalIn(Schema):
    payload: str | None = Field(None, description="The text of the scanned QR code.")


class ExternalOut(Schema):
    source: str = Field(..., description="`json`, `cccd` or `pairs`: how it was read.")
    fields: dict[str, str | int] = Field(..., description="The declaration's fields it carries.")
    missing: list[str] = Field(..., description="What the scanner must complete.")


def _parsed(request, text):
    parsed = external.parse(text)
    if parsed is None:
        return None, error(request, 422, INVALID_QR, services.InvalidCode.message)
    return parsed, None


@router.post(
    "/external/read",
    operation_id="vigil_api_declarations_external_read",
    response={200: ExternalOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Read a national health-declaration or ID-card QR",
    description=(
        "R-D5: what the QR carries (name, ID number, phone, …) and what it lacks. Nothing "
        "is saved: complete the declaration and send it with POST …/external. 422 "
        "`invalid_code` for a text that is neither."
    ),
    url_name="declaration_external_read",
    openapi_extra=body_example({"payload": EXAMPLE_QR}),
)
@api_requires(ENTER_DECLARATION)
def external_read(request, body: ExternalIn):
    parsed, refused = _parsed(request, body.payload)
    if refused is not None:
        return refused
    return {"source": parsed.source, "fields": parsed.initial(), "missing": parsed.missing()}


class ExternalDeclarationIn(CitizenDeclarationIn):
    payload: str | None = Field(None, description="The QR's text, kept with the declaration.")


@router.post(
    "/external",
    operation_id="vigil_api_declarations_external",
    response={
        200: StaffDeclarationOut,
        201: StaffDeclarationOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
    },  # fmt: skip
    summary="Save a declaration completed from an external QR",
    description=(
        "The citizens' body completed from POST …/external/read, with the QR's `payload`; "
        "saved through the `external_qr` channel. The destination commune must be inside "
        "the caller's jurisdiction. 201 with the declaration; 200 with the same one for a "
        "repeated `Idempotency-Key`."
    ),
    url_name="declaration_external",
    openapi_extra=body_example({**EXAMPLE_CITIZEN, "payload": EXAMPLE_QR}),
)
@api_requires(ENTER_DECLARATION)
def external_save(
    request, payload: ExternalDeclarationIn, idempotency_key: str = IDEMPOTENCY_HEADER
):
    user = request.auth
    _parsed_qr, refused = _parsed(request, payload.payload)
    if refused is not None:
        return refused
    form, fields, relation = validate(payload, proxy=payload.is_proxy)
    area = form.cleaned_data.get("area") if not fields else None
    if area is not None and not in_scope(user, area.path):
        fields["area_code"] = [_("This commune is outside your jurisdiction.")]
    if fields:
        return invalid(request, fields)
    submission = services.submit_declaration(
        form.identity(),
        {**form.declaration_data(), "proxy_relation": relation},
        channel=Channel.EXTERNAL_QR,
        actor=user,
        is_proxy=payload.is_proxy,
        external_payload=payload.payload.strip(),
        idempotency_key=scoped_key(f"staff:{user.pk}", idempotency_key),
        request=request,
    )
    declaration = queryset().get(pk=submission.declaration.pk)
    return Status(
        201 if submission.created else 200, staff_out(declaration, may(user, SEE_IDENTITY))
    )
