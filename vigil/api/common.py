"""What the API's routers share.

- error bodies in the API's one shape (see `vigil.api.instance`), and the mapping of
  what services raise onto them: a ValidationError is 422 `invalid` with the
  messages per field, StaleDeclaration 409 `stale`, TransitionRefused 409
  `already_handled`;
- reading a body inside the view (`read_body`) and checking its values (dates,
  choices, text) with the messages of Django's form fields;
- a person's ID number and phone, whole or masked;
- a declaration's state after an action, and the filters and pages of the work
  queues (verification and triage);
- small helpers for the OpenAPI document (examples, enums, English labels).
"""

import datetime
import json
import re

import pydantic
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Body, Field, Path, Query, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestInvalid

from vigil.audit.services import stale_message
from vigil.core.scope import get_for_user
from vigil.core.xlsx import XlsxUploadForm, refused_upload
from vigil.declarations.filters import keyword_q, local_midnight
from vigil.declarations.models import Declaration, Surveillance
from vigil.declarations.services import StaleDeclaration
from vigil.declarations.transitions import TransitionRefused

PAGE_DEFAULT = 50
PAGE_MAX = 200
NOTE_MAX = 1000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
OPTIONAL_BODY = Body(None)
DECLARATION_PATH = Path(..., description="The declaration's `id`.", example=42)

# Service field names -> the API's field names.
SERVICE_FIELDS = {
    "surveillance_start": "start",
    "surveillance_end": "end",
    "target": "target_commune_code",
}


# Errors -------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


def error(request, status, code, message, fields=None):
    from vigil.api.instance import error as api_error

    return api_error(request, status, code, message, fields)


def invalid(request, fields):
    return error(request, 422, "invalid", _("Some fields are not valid."), fields)


def stale(request, message):
    """409 `stale`: the record changed since the client read its `version`."""
    return error(request, 409, "stale", message, {"version": [message]})


def service_fields(exc):
    """A service's ValidationError as the API's {field: [messages]}."""
    if hasattr(exc, "error_dict"):
        return {SERVICE_FIELDS.get(name, name): msgs for name, msgs in exc.message_dict.items()}
    return {"__all__": exc.messages}


# A place in a body: `area_code` (a commune) and `village_code` -------------

PLACE_NAMES = {"area": "area_code", "village": "village_code"}


def place_units(payload, values, errors, sent=None):
    """Set `values["area"]` and `values["village"]` from the body's
    `area_code` and `village_code` (only those in `sent`, when given); an
    unknown code is an error on its field. The service checks the rest
    (vigil.declarations.places.check_place)."""
    from vigil.areas.models import AdminUnit, Level

    for name, level in (("area", Level.COMMUNE), ("village", Level.VILLAGE)):
        field = PLACE_NAMES[name]
        if sent is not None and field not in sent:
            continue
        code = (getattr(payload, field) or "").strip()
        unit = None
        if code:
            unit = AdminUnit.objects.active_tree().filter(code=code, level=level).first()
            if unit is None:
                errors[field] = [_("No such place.")]
        values[name] = unit


def place_service_fields(exc):
    """`service_fields`, the place's fields named as in the body."""
    return {PLACE_NAMES.get(k, k): v for k, v in service_fields(exc).items()}


# The OpenAPI document -----------------------------------------------------


def source(label):
    """A lazy label's English source text, for the OpenAPI document."""
    with translation.override(None):
        return str(label)


def enum(choices, null=False):
    """The allowed values, for the document only: the view or form checks them.

    `null`: null is allowed too (the field was not sent).
    """
    values = [value for value, _label in choices]
    return {"enum": values + [None] if null else values}


def one_of(choices):
    """The allowed values of a query parameter, for the document."""
    return "One of " + ", ".join(f"`{value}`" for value, _label in choices) + "."


# Who an example of a work queue names.
EXAMPLE_ARRIVAL = {
    "id": 42,
    "code": "7KX3M9QA",
    "full_name": "Nguyễn Văn An",
    "id_number": "04•••••••234",
    "phone": "090••••456",
    "birth_year": 1990,
}


def page_example(*items):
    """The example of a page of a list holding `items`."""
    return response_example({"total": len(items), "limit": 50, "offset": 0, "items": list(items)})


def body_example(example):
    return {"requestBody": {"content": {"application/json": {"example": example}}}}


def response_example(example, status=200):
    return {"responses": {status: {"content": {"application/json": {"example": example}}}}}


def examples(request_body=None, response=None, status=200, schema=None):
    """Examples of an operation; with `schema`, its body is read by `read_body`."""
    out = {}
    if request_body is not None:
        out.update(body_doc(schema, request_body) if schema else body_example(request_body))
    if response is not None:
        out.update(response_example(response, status))
    return out


def body_doc(schema, example, named=None):
    """The request body of an operation that reads it with `read_body`."""
    content = {"schema": schema.model_json_schema(), "example": example}
    if named:
        content["examples"] = named
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


# Bodies and values --------------------------------------------------------


def read_body(request, schema):
    """The JSON body as `schema` (an empty body is an empty object).

    Call it once the record is known to be in scope. Errors take the API's
    usual shape: 400 for a body that is not JSON, 422 with the fields for
    values of the wrong type.
    """
    data = {}
    if request.body.strip():
        try:
            data = json.loads(request.body)
        except ValueError:
            raise HttpError(400, _("The request body is not valid JSON.")) from None
    try:
        return schema.model_validate(data)
    except pydantic.ValidationError as exc:
        raise RequestInvalid(
            [
                {"loc": ("body", "payload", *e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False)
            ]
        ) from None


def required_error():
    return str(forms.Field.default_error_messages["required"])


def iso_date(value, name, errors):
    """A date from 'YYYY-MM-DD' (None when empty); another spelling is an error on `name`."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    errors[name] = [str(forms.DateField.default_error_messages["invalid"])]
    return None


def choice(value, choices, name, errors):
    """`value` when it is one of `choices` (or empty), else an error on `name`."""
    if value in (None, ""):
        return None
    if value not in {v for v, _label in choices}:
        message = forms.ChoiceField.default_error_messages["invalid_choice"]
        errors[name] = [str(message) % {"value": value}]
        return None
    return value


def text(value, name, errors, max_length=NOTE_MAX):
    """Free text, stripped; longer than `max_length` is an error on `name`."""
    value = (value or "").strip()
    try:
        MaxLengthValidator(max_length)(value)
    except ValidationError as exc:
        errors[name] = exc.messages
    return value


# Uploads ------------------------------------------------------------------


def upload_refused(request, fields):
    """422 `invalid_file`: nothing of the upload was saved; `fields` say why."""
    return error(request, 422, "invalid_file", _("Nothing was saved."), fields)


def checked_upload(request, file):
    """(the uploaded .xlsx as the pages' upload form cleans it, None) or (None, 422):
    a file the upload handler dropped as too large is refused with its size."""
    too_large = refused_upload(request)
    if too_large:
        return None, upload_refused(request, {"file": [too_large]})
    form = XlsxUploadForm(files={"file": file} if file is not None else {})
    if not form.is_valid():
        return None, upload_refused(request, {"file": [str(m) for m in form.errors["file"]]})
    return form.cleaned_data["file"], None


def import_refusal(request, result):
    """The 422 of an import that saved nothing (the file's problem, or every bad
    row "Row 5: …"), or None when it went through."""
    if result.file_error:
        return upload_refused(request, {"file": [str(result.file_error)]})
    if result.errors:
        return upload_refused(request, {"rows": [str(e) for e in result.errors]})
    return None


# Output -------------------------------------------------------------------


def identity(person, whole):
    """A person's ID number and phone: whole, or masked for task groups that need not see them."""
    return {
        "id_number": person.id_number if whole else person.masked_id_number,
        "phone": person.phone if whole else person.masked_phone,
    }


def arrival_item(d):
    """Who a declaration of a work queue names, masked, and where they go: the
    first fields of every queue's items (EXAMPLE_ARRIVAL)."""
    return {
        "id": d.pk,
        "code": d.code,
        "full_name": d.person.full_name,
        **identity(d.person, False),
        "birth_year": d.person.birth_year,
        "area_code": d.area.code,
        "area_name": d.area.name,
        "arrival_date": d.arrival_date,
        "risk_colour": d.risk_colour,
        "version": d.version,
    }


# Actions on a declaration -------------------------------------------------


def scoped(request, declaration_id, narrow=None):
    """The declaration inside the caller's jurisdiction, or 404; `narrow(qs,
    user)` limits it further (a school account: its own students)."""
    qs = Declaration.objects.select_related("area")
    if narrow is not None:
        qs = narrow(qs, request.auth)
    return get_for_user(qs, request.auth, pk=declaration_id)


def action_input(request, declaration_id, schema, narrow=None):
    """(declaration, body, field errors so far) of an action on a declaration.

    The operation's capability was checked already (`api_requires`, 403); then
    the declaration inside the jurisdiction (404; `narrow` as in `scoped`),
    then the body (400, 422), whose `version` is required.
    """
    declaration = scoped(request, declaration_id, narrow)
    payload = read_body(request, schema)
    errors = {}
    check_version(payload, errors)
    return declaration, payload, errors


def check_version(payload, errors):
    if payload.version is None:
        errors["version"] = [required_error()]


def check_surveillance(payload, errors):
    """Missing is reported with the other missing fields; the service judges the value."""
    if not (payload.surveillance or "").strip():
        errors["surveillance"] = [required_error()]


def surveillance_values(payload, errors):
    """The surveillance decided, its dates and the note, as the services take them."""
    check_surveillance(payload, errors)
    return {
        "surveillance": (payload.surveillance or "").strip(),
        "start": iso_date(payload.start, "start", errors),
        "end": iso_date(payload.end, "end", errors),
        "note": text(payload.note, "note", errors),
    }


def run_action(request, action, declaration, **kwargs):
    """Run a state-changing service; its refusals become the API's errors."""
    try:
        updated = action(declaration, actor=request.auth, **kwargs)
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    except StaleDeclaration as exc:
        return stale(request, stale_message(exc.current))
    except TransitionRefused as exc:
        return error(request, 409, "already_handled", exc.message)
    return state_out(updated)


class DeclarationStateOut(Schema):
    id: int
    code: str
    verification_state: str
    medical_state: str
    approval_state: str = Field(..., description="Empty when no approval was requested.")
    surveillance: str = Field(..., description="Empty until a surveillance type is decided.")
    surveillance_start: datetime.date | None
    surveillance_end: datetime.date | None
    risk_colour: str
    risk_level: int
    risk_reasons: list[str] = Field(..., description="Labels of the rules that matched.")
    area_code: str = Field(..., description="The commune the declaration belongs to now.")
    area_name: str
    version: int = Field(..., description="Send it back with the next action.")


def state_out(declaration):
    return {
        "id": declaration.pk,
        "code": declaration.code,
        "verification_state": declaration.verification_state,
        "medical_state": declaration.medical_state,
        "approval_state": declaration.approval_state,
        "surveillance": declaration.surveillance,
        "surveillance_start": declaration.surveillance_start,
        "surveillance_end": declaration.surveillance_end,
        "risk_colour": declaration.risk_colour,
        "risk_level": declaration.risk_level,
        "risk_reasons": list(declaration.risk_reasons or []),
        "area_code": declaration.area.code,
        "area_name": declaration.area.name,
        "version": declaration.version,
    }


EXAMPLE_STATE = {
    "id": 42,
    "code": "7KX3M9QA",
    "verification_state": "returned",
    "medical_state": "pending",
    "approval_state": "",
    "surveillance": "home_quarantine",
    "surveillance_start": "2021-08-21",
    "surveillance_end": "2021-09-03",
    "risk_colour": "yellow",
    "risk_level": 1,
    "risk_reasons": ["Ho"],
    "area_code": "19789",
    "area_name": "Phường Phú Nhuận",
    "version": 3,
}
STATE_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

VERSION_FIELD = Field(
    None,
    description="The `version` of the declaration as it was read. Required.",
    json_schema_extra={"example": 2},
)
SURVEILLANCE_DESCRIPTION = "Required. " + "; ".join(
    f"`{value}`: {source(label)}" for value, label in Surveillance.choices
)


def surveillance_field():
    return Field(
        None, description=SURVEILLANCE_DESCRIPTION, json_schema_extra=enum(Surveillance.choices)
    )


def date_field(description):
    return Field(None, description=description, json_schema_extra={"format": "date"})


# Work queues --------------------------------------------------------------


def list_queryset(user):
    return (
        Declaration.objects.visible_to(user)
        .select_related("person", "area", "departure_unit", "departure_country")
        .defer("external_payload")
    )


DATE_ON = (("created", "declaration"), ("arrival", "arrival"))


def _query(default, description, example):
    return Field(default, description=description, json_schema_extra={"example": example})


class PageQuery(Schema):
    """The page of a list: `limit` rows after `offset`."""

    limit: int = _query(PAGE_DEFAULT, f"Page size, 1..{PAGE_MAX}.", 50)
    offset: int = _query(0, "Rows skipped before the page.", 50)


class KeywordQuery(PageQuery):
    q: str | None = _query(None, "Words of the name, or the whole ID number, phone or code.", "an")


class PlaceQuery(KeywordQuery):
    """A place (district, commune) and a keyword, on one page."""

    district_code: str | None = _query(None, "Code of a district.", "474")
    commune_code: str | None = _query(None, "Code of a commune.", "19789")


class QueueQuery(PlaceQuery):
    """The filters every work queue shares (R-V1): place, keyword and dates."""

    date_on: str | None = _query(
        None, "Which date the range applies to: `created` (default) or `arrival`.", "arrival"
    )
    date_from: str | None = _query(None, "YYYY-MM-DD, included.", "2021-08-01")
    date_to: str | None = _query(None, "YYYY-MM-DD, included.", "2021-08-31")


def place_filters(qs, filters, keyword=keyword_q):
    """`qs` (already scoped) narrowed to a district, a commune and a keyword:
    a district or commune outside the jurisdiction simply matches nothing.
    `keyword(text)` is the keyword's condition; None leaves it to the caller."""
    if filters.district_code:
        qs = qs.filter(area__parent__code=filters.district_code.strip())
    if filters.commune_code:
        qs = qs.filter(area__code=filters.commune_code.strip())
    if keyword is not None and filters.q and filters.q.strip():
        qs = qs.filter(keyword(filters.q.strip()))
    return qs


def common_filters(qs, errors, filters, keyword=keyword_q):
    """The filters of a work queue (`QueueQuery`); bad values go to `errors`."""
    qs = place_filters(qs, filters, keyword)
    on = choice(filters.date_on, DATE_ON, "date_on", errors) or "created"
    start = iso_date(filters.date_from, "date_from", errors)
    end = iso_date(filters.date_to, "date_to", errors)
    if on == "arrival":
        if start:
            qs = qs.filter(arrival_date__gte=start)
        if end:
            qs = qs.filter(arrival_date__lte=end)
    else:
        if start:
            qs = qs.filter(created_at__gte=local_midnight(start))
        if end:
            qs = qs.filter(created_at__lt=local_midnight(end + datetime.timedelta(days=1)))
    return qs


def page_bounds(limit, offset):
    return max(1, min(limit, PAGE_MAX)), max(0, offset)


def page(qs, window, item, total=None):
    """One page (`window`: a PageQuery) of a list: how many match on every page
    (counted unless given), the items."""
    limit, offset = page_bounds(window.limit, window.offset)
    return {
        "total": qs.count() if total is None else total,
        "limit": limit,
        "offset": offset,
        "items": [item(d) for d in qs[offset : offset + limit]],
    }


def queue_page(request, qs, filters, item, errors=None, order=("created_at", "id")):
    """A work queue's answer: 422 with `errors`, else one page of `qs` in `order`."""
    if errors:
        return invalid(request, errors)
    return page(qs.order_by(*order), filters, item)


class PageOut(Schema):
    total: int = Field(..., description="How many match, on every page.")
    limit: int
    offset: int


# A list's filters (a PageQuery schema) read from the query string.
FILTERS = Query(...)
QUEUE_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# Imports run by the worker ------------------------------------------------


class ImportJobOut(Schema):
    """A spreadsheet import run by the worker (files above VIGIL_IMPORT_SYNC_ROWS rows)."""

    job_id: int
    state: str = Field(..., description="`queued`, `running`, `done` or `failed`.")
    total: int = Field(..., description="The file's rows.")
    done: int = Field(..., description="Rows checked so far.")
    percent: int
    error: str = Field(..., description="Why nothing was saved, when `failed`.")
    result: dict = Field(
        ...,
        description="When `done`: the import's counts (as the synchronous answer); when "
        '`failed` for bad rows: `errors`, every bad row ("Row 5: …").',
    )


def import_job_out(job):
    from vigil.jobs.models import Job

    return {
        "job_id": job.pk,
        "state": job.state,
        "total": job.total,
        "done": job.done,
        "percent": 0 if job.state == Job.State.QUEUED else job.percent,
        "error": job.error_message,
        "result": job.result,
    }
