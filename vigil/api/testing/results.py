"""A person's test results, entering them, and a batch sampled together (R-T2).

Each row is bound to the page's ResultRowForm (or BatchForm), which checks it
with `services.check_row`, so the API refuses a row for exactly the reasons
the page does. Every row is checked before anything is saved: one bad row
answers 422 with its errors under `rows.<n>.<field>` and nothing is saved.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema, Status

from vigil.api.common import (
    READ_ERRORS,
    ErrorOut,
    body_doc,
    enum,
    invalid,
    read_body,
    required_error,
)
from vigil.api.testing import router
from vigil.core.permissions import ENTER_TESTS, READ_TESTS, api_requires
from vigil.core.scope import get_for_user
from vigil.people.models import Person
from vigil.testing import services
from vigil.testing.forms import MAX_BATCH, BatchForm, ResultRowForm
from vigil.testing.models import TestOutcome, TestResult, TestType

PERSON_PATH = Path(..., description="The person's `id`.", example=7)
MAX_ROWS = 50
ENTRY_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ResultOut(Schema):
    id: int
    person_id: int
    sampling_unit: str
    batch_code: str
    test_id: str
    sample_date: datetime.date
    test_date: datetime.date | None
    test_type: str = Field(..., json_schema_extra=enum(TestType.choices))
    result: str = Field(..., json_schema_extra=enum(TestOutcome.choices))
    checkpoint: str
    created_at: datetime.datetime
    created_by: str | None
    handled_at: datetime.datetime | None
    handled_note: str
    version: int


def result_out(r):
    return {
        **{name: getattr(r, name) for name in ResultOut.model_fields if hasattr(r, name)},
        "person_id": r.person_id,
        "created_by": r.created_by.username if r.created_by_id else None,
    }


class RowIn(Schema):
    sampling_unit: str | None = ""
    batch_code: str | None = ""
    test_id: str | None = ""
    sample_date: str | None = Field(None, description="YYYY-MM-DD, not in the future. Required.")
    test_date: str | None = Field(
        None, description="YYYY-MM-DD; required unless the result is `pending`."
    )
    test_type: str | None = Field(None, json_schema_extra=enum(TestType.choices, null=True))
    result: str | None = Field(None, json_schema_extra=enum(TestOutcome.choices, null=True))
    checkpoint: str | None = Field("", description="Only for a rapid test at a checkpoint.")


class RowsIn(Schema):
    rows: list[RowIn] | None = Field(None, description=f"1..{MAX_ROWS} rows. Required.")


class BatchIn(RowIn):
    person_ids: list[int] | None = Field(
        None, description=f"The people sampled together (1..{MAX_BATCH}), in scope. Required."
    )


EXAMPLE_ROW = {
    "sampling_unit": "Trạm Y tế Phú Nhuận",
    "batch_code": "PN-0821-01",
    "test_id": "XN-000123",
    "sample_date": "2021-08-21",
    "test_date": "2021-08-21",
    "test_type": "rapid",
    "result": "negative",
    "checkpoint": "",
}


def bound_row(form_class, row):
    """The page's row form bound to a body row (ISO dates, as the form reads them)."""
    data = {k: "" if v is None else v for k, v in row.model_dump().items()}
    for name in ("sample_date", "test_date"):
        data[name] = _iso(data[name])
    return form_class(data)


def _iso(value):
    try:
        return datetime.date.fromisoformat(value.strip()) if value.strip() else ""
    except ValueError:
        return value


def _person(request, person_id):
    return get_for_user(Person.objects.select_related("area"), request.auth, pk=person_id)


def _results(user, person):
    return (
        TestResult.objects.visible_to(user)
        .filter(person=person)
        .select_related("created_by")
        .order_by("-sample_date", "-id")
    )


@router.get(
    "/people/{int:person_id}/results",
    operation_id="vigil_api_testing_results",
    response={200: list[ResultOut], **READ_ERRORS},
    summary="A person's test results",
    description="Newest sample first; only results of the caller's jurisdiction. 404 outside it.",
    url_name="testing_results",
)
@api_requires(READ_TESTS)
def results(request, person_id: int = PERSON_PATH):
    person = _person(request, person_id)
    return [result_out(r) for r in _results(request.auth, person)]


def _count_error(items, most):
    if not items:
        return required_error()
    return _("At most %(max)d.") % {"max": most}


def _created(created):
    rows = TestResult.objects.filter(pk__in=[r.pk for r in created]).select_related("created_by")
    return [result_out(r) for r in rows.order_by("pk")]


def _row_errors(forms):
    errors = {}
    for n, form in enumerate(forms):
        for name, messages in form.errors.items():
            errors[f"rows.{n}.{name}"] = [str(m) for m in messages]
    return errors


@router.post(
    "/people/{int:person_id}/results",
    operation_id="vigil_api_testing_add_results",
    response={201: list[ResultOut], **ENTRY_ERRORS},
    summary="Enter one or more results for a person",
    description=(
        f'"Nhập xét nghiệm" (R-T2): 1..{MAX_ROWS} rows, all or nothing. A bad row answers '
        "422 with its errors under `rows.<n>.<field>` (the page's messages); nothing is "
        "saved then. 404 for a person outside the caller's jurisdiction."
    ),
    url_name="testing_add_results",
    openapi_extra=body_doc(RowsIn, {"rows": [EXAMPLE_ROW]}),
)
@api_requires(ENTER_TESTS)
def add_results(request, person_id: int = PERSON_PATH):
    person = _person(request, person_id)
    payload = read_body(request, RowsIn)
    rows = payload.rows or []
    if not 1 <= len(rows) <= MAX_ROWS:
        return invalid(request, {"rows": [_count_error(rows, MAX_ROWS)]})
    forms = [bound_row(ResultRowForm, row) for row in rows]
    if not all(form.is_valid() for form in forms):
        return invalid(request, _row_errors(forms))
    try:
        created = services.add_results(request.auth, person, [f.row() for f in forms])
    except ValidationError as exc:
        return invalid(request, {"rows": exc.messages})
    return Status(201, _created(created))


@router.post(
    "/batch",
    operation_id="vigil_api_testing_batch",
    response={201: list[ResultOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="One sample row for several people sampled together",
    description=(
        "Batch entry (R-T2): the same group code (required), dates, type and result for "
        f"every person of `person_ids` (at most {MAX_BATCH}), all or nothing. An id outside "
        "the caller's jurisdiction, or unknown, is an error on `person_ids.<n>`; the row's "
        "errors are the page's. Nothing is saved on an error."
    ),
    url_name="testing_batch",
    openapi_extra=body_doc(BatchIn, {**EXAMPLE_ROW, "person_ids": [7, 8, 9]}),
)
@api_requires(ENTER_TESTS)
def batch(request):
    payload = read_body(request, BatchIn)
    ids = list(dict.fromkeys(payload.person_ids or []))
    form = bound_row(BatchForm, payload)
    errors = {} if form.is_valid() else {k: [str(m) for m in v] for k, v in form.errors.items()}
    people = Person.objects.visible_to(request.auth).in_bulk(ids[:MAX_BATCH])
    if not ids or len(ids) > MAX_BATCH:
        errors["person_ids"] = [_count_error(ids, MAX_BATCH)]
    for n, pk in enumerate(ids):
        if pk not in people:
            errors[f"person_ids.{n}"] = [_("Nobody with this id in your jurisdiction.")]
    if errors:
        return invalid(request, errors)
    try:
        created = services.add_batch(request.auth, [people[pk] for pk in ids], form.row())
    except ValidationError as exc:
        return invalid(request, {k: list(v) for k, v in exc.message_dict.items()})
    return Status(201, _created(created))
