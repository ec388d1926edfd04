"""A case's investigation through the API (R-E3): the itinerary rows and the
attached files. Same services, rules and messages as the investigation page:
the case (and so its rows and files) outside the caller's scope answers 404;
a change of a row sends the `version` it read (409 `stale` otherwise)."""

import datetime

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema, Status

from vigil.api.common import (
    READ_ERRORS,
    ErrorOut,
    body_doc,
    invalid,
    iso_date,
    read_body,
    required_error,
    service_fields,
    stale,
    upload_refused,
)
from vigil.api.investigation import router
from vigil.audit.services import stale_message
from vigil.core.permissions import EDIT_CASES, READ_CASES, api_requires
from vigil.core.scope import get_for_user
from vigil.investigation import attachments, itinerary
from vigil.investigation.models import Attachment, Case, ItineraryEntry, Outbreak

CASE_PATH = Path(..., description="The case record's `id`.", example=12)
ENTRY_PATH = Path(..., description="The itinerary row's `id`.", example=40)
ATTACHMENT_PATH = Path(..., description="The attachment's `id`.", example=5)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ERRORS_TEXT = (
    " Errors: 403 without the capability; 404 when the case is outside the caller's scope; "
    "409 `stale` when the row changed since its `version` was read; 422 `invalid` with the "
    "messages per field. Nothing is changed on an error."
)


def _case(request, case_id):
    return get_for_user(Case.objects.all(), request.auth, pk=case_id)


def _visible(model, request, pk):
    """A row of a case in the caller's scope, else 404."""
    from django.shortcuts import get_object_or_404

    cases = Case.objects.visible_to(request.auth).values("pk")
    return get_object_or_404(model.objects.filter(case__in=cases), pk=pk)


# Itinerary ------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    case_id: int
    date: datetime.date
    time: str | None = Field(..., description="HH:MM, null when not known.")
    description: str
    outbreak_id: int | None
    outbreak_name: str
    place_code: str = Field(..., description="Code of the commune, empty when none.")
    place_name: str
    version: int = Field(..., description="Send it back with the next change.")


def entry_out(entry):
    return {
        "id": entry.pk,
        "case_id": entry.case_id,
        "date": entry.date,
        "time": entry.time.strftime("%H:%M") if entry.time else None,
        "description": entry.description,
        "outbreak_id": entry.outbreak_id,
        "outbreak_name": entry.outbreak.name if entry.outbreak_id else "",
        "place_code": entry.place.code if entry.place_id else "",
        "place_name": entry.place.name if entry.place_id else "",
        "version": entry.version,
    }


class EntryIn(Schema):
    date: str | None = Field(None, description="YYYY-MM-DD. Required.")
    time: str | None = Field(None, description='"15:30", "15h30", "7h00"; empty when unknown.')
    description: str | None = Field(None, description="Where the person went. Required.")
    outbreak_id: int | None = Field(None, description="An outbreak in the caller's scope.")
    place_code: str | None = Field(None, description="Code of a commune of the province.")
    version: int | None = Field(None, description="Required to change a row.")


EXAMPLE_ENTRY = {"date": "2021-08-03", "time": "15h30", "description": "Chợ Đông Ba"}


def _entry_fields(request, payload, errors):
    """The body as the services take it; an unknown outbreak or commune is a
    field error (an outbreak out of scope is unknown)."""
    from vigil.investigation.forms_itinerary import province_communes

    fields = {
        "date": iso_date(payload.date, "date", errors),
        "time": payload.time,
        "description": payload.description or "",
        "outbreak": None,
        "place": None,
    }
    if payload.date in (None, "") and "date" not in errors:
        errors["date"] = [required_error()]
    if payload.outbreak_id is not None:
        fields["outbreak"] = (
            Outbreak.objects.visible_to(request.auth).filter(pk=payload.outbreak_id).first()
        )
        if fields["outbreak"] is None:
            errors["outbreak_id"] = [_("Choose an outbreak of your area.")]
    if payload.place_code:
        fields["place"] = province_communes().filter(code=payload.place_code.strip()).first()
        if fields["place"] is None:
            errors["place_code"] = [_("Choose a commune of the province.")]
    return fields


def _entries(case):
    return case.itinerary.select_related("outbreak", "place")


@router.get(
    "/cases/{int:case_id}/itinerary",
    operation_id="vigil_api_investigation_itinerary",
    response={200: list[EntryOut], **READ_ERRORS},
    summary="A case's itinerary",
    description="The rows of the case's movements, by date and time.",
    url_name="investigation_itinerary",
)
@api_requires(READ_CASES)
def itinerary_list(request, case_id: int = CASE_PATH):
    return [entry_out(e) for e in _entries(_case(request, case_id))]


def _save(request, action):
    try:
        entry = action()
    except itinerary.StaleEntry as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    entry = ItineraryEntry.objects.select_related("outbreak", "place").get(pk=entry.pk)
    return entry_out(entry)


@router.post(
    "/cases/{int:case_id}/itinerary",
    operation_id="vigil_api_investigation_itinerary_add",
    response={201: EntryOut, **ERRORS},
    summary="Add a row to a case's itinerary",
    description="Recorded on the case (`itinerary_add`) and in the audit log." + ERRORS_TEXT,
    url_name="investigation_itinerary_add",
    openapi_extra=body_doc(EntryIn, EXAMPLE_ENTRY),
)
@api_requires(EDIT_CASES)
def itinerary_add(request, case_id: int = CASE_PATH):
    case = _case(request, case_id)
    payload = read_body(request, EntryIn)
    errors = {}
    fields = _entry_fields(request, payload, errors)
    if errors:
        return invalid(request, errors)
    answer = _save(request, lambda: itinerary.add_entry(case, actor=request.auth, fields=fields))
    return Status(201, answer) if isinstance(answer, dict) else answer


@router.put(
    "/itinerary/{int:entry_id}",
    operation_id="vigil_api_investigation_itinerary_change",
    response={200: EntryOut, **ERRORS},
    summary="Change a row of an itinerary",
    description="Every field as for a new row, with the row's `version`." + ERRORS_TEXT,
    url_name="investigation_itinerary_change",
    openapi_extra=body_doc(EntryIn, {**EXAMPLE_ENTRY, "version": 1}),
)
@api_requires(EDIT_CASES)
def itinerary_change(request, entry_id: int = ENTRY_PATH):
    entry = _visible(ItineraryEntry, request, entry_id)
    payload = read_body(request, EntryIn)
    errors = {}
    fields = _entry_fields(request, payload, errors)
    if payload.version is None:
        errors["version"] = [required_error()]
    if errors:
        return invalid(request, errors)
    return _save(
        request,
        lambda: itinerary.update_entry(
            entry, actor=request.auth, version=payload.version, fields=fields
        ),
    )


class VersionIn(Schema):
    version: int | None = Field(None, description="The row's `version`. Required.")


@router.post(
    "/itinerary/{int:entry_id}/delete",
    operation_id="vigil_api_investigation_itinerary_delete",
    response={204: None, **ERRORS},
    summary="Delete a row of an itinerary",
    description="Recorded on the case (`itinerary_delete`)." + ERRORS_TEXT,
    url_name="investigation_itinerary_delete",
    openapi_extra=body_doc(VersionIn, {"version": 2}),
)
@api_requires(EDIT_CASES)
def itinerary_delete(request, entry_id: int = ENTRY_PATH):
    entry = _visible(ItineraryEntry, request, entry_id)
    payload = read_body(request, VersionIn)
    if payload.version is None:
        return invalid(request, {"version": [required_error()]})
    try:
        itinerary.delete_entry(entry, actor=request.auth, version=payload.version)
    except itinerary.StaleEntry as exc:
        return stale(request, stale_message(exc.current))
    return Status(204, None)


# Attachments ----------------------------------------------------------------


class AttachmentOut(Schema):
    id: int
    case_id: int
    name: str = Field(..., description="The file's name as uploaded (for display).")
    content_type: str = Field(..., description="Read from the content, not the name.")
    size: int
    uploaded_by: str
    uploaded_at: datetime.datetime


def attachment_out(a):
    return {
        "id": a.pk,
        "case_id": a.case_id,
        "name": a.name,
        "content_type": a.content_type,
        "size": a.size,
        "uploaded_by": a.uploaded_by.username if a.uploaded_by_id else "",
        "uploaded_at": a.uploaded_at,
    }


@router.get(
    "/cases/{int:case_id}/attachments",
    operation_id="vigil_api_investigation_attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
    summary="The files attached to a case's investigation",
    url_name="investigation_attachments",
)
@api_requires(READ_CASES)
def attachment_list(request, case_id: int = CASE_PATH):
    case = _case(request, case_id)
    return [attachment_out(a) for a in case.attachments.select_related("uploaded_by")]


MULTIPART = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


@router.post(
    "/cases/{int:case_id}/attachments",
    operation_id="vigil_api_investigation_attachment_add",
    response={201: AttachmentOut, **ERRORS},
    summary="Attach a file to a case's investigation (multipart `file`)",
    description=(
        "A photo (JPEG, PNG, WebP), PDF, Excel or Word file (.xlsx, .docx), CSV or text file, "
        "recognised by its content (an executable renamed .pdf is refused), at most the "
        "server's VIGIL_ATTACHMENT_MAX_MB. 422 `invalid_file` with the message on `file` "
        "otherwise; nothing is stored." + ERRORS_TEXT
    ),
    url_name="investigation_attachment_add",
    openapi_extra=MULTIPART,
)
@api_requires(EDIT_CASES)
def attachment_add(request, case_id: int = CASE_PATH):
    # Read here, not as a parameter, so that the attachment limit (not the
    # site's import limit) bounds the upload while it streams in.
    attachments.use_attachment_handlers(request)
    case = _case(request, case_id)
    upload = request.FILES.get("file")
    too_large = attachments.refused_upload(request)
    if too_large:
        return upload_refused(request, {"file": [too_large]})
    try:
        attachment = attachments.attach(case, actor=request.auth, upload=upload)
    except ValidationError as exc:
        return upload_refused(request, service_fields(exc))
    return Status(201, attachment_out(attachment))


@router.get(
    "/attachments/{int:attachment_id}",
    operation_id="vigil_api_investigation_attachment",
    response={200: None, **READ_ERRORS},
    summary="Download an attached file",
    description="The file as stored, with its content type; each download is in the audit log.",
    url_name="investigation_attachment",
    openapi_extra={"responses": {200: {"content": {"application/octet-stream": {}}}}},
)
@api_requires(READ_CASES)
def attachment_download(request, attachment_id: int = ATTACHMENT_PATH):
    attachment = _visible(Attachment, request, attachment_id)
    handle = attachment.file.open("rb")
    attachments.record_download(request.auth, attachment)
    response = FileResponse(
        handle, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/attachments/{int:attachment_id}/delete",
    operation_id="vigil_api_investigation_attachment_delete",
    response={204: None, **READ_ERRORS},
    summary="Delete an attached file",
    url_name="investigation_attachment_delete",
)
@api_requires(EDIT_CASES)
def attachment_delete(request, attachment_id: int = ATTACHMENT_PATH):
    attachment = _visible(Attachment, request, attachment_id)
    attachments.delete_attachment(attachment, actor=request.auth)
    return Status(204, None)
