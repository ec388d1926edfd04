"""Medical monitoring through the API (R-E5): the lists (due today, missed,
active, ended), one period with its checks, the day's check, the end of a
period. Same services and messages as the pages; a period outside the
caller's scope answers 404."""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from ninja import Field, Path, Schema, Status

from vigil.api.common import (
    FILTERS,
    QUEUE_ERRORS,
    READ_ERRORS,
    ErrorOut,
    KeywordQuery,
    PageOut,
    body_doc,
    enum,
    invalid,
    iso_date,
    page,
    read_body,
    required_error,
    service_fields,
    stale,
    text,
)
from vigil.api.investigation import router
from vigil.audit.services import stale_message
from vigil.core.permissions import READ_MONITORING, RECORD_MONITORING, api_requires
from vigil.core.scope import get_for_user
from vigil.investigation import monitoring
from vigil.investigation.forms_monitoring import TABS, MonitoringFilterForm
from vigil.investigation.models import MonitoringCheck, MonitoringKind, MonitoringPeriod
from vigil.quarantine.forms import keyword_q

PERIOD_PATH = Path(..., description="The monitoring period's `id`.", example=9)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ERRORS_TEXT = (
    " Errors: 403 without the capability; 404 outside the caller's scope; 409 `stale` when "
    "the period changed since its `version` was read; 422 `invalid` with the messages per "
    "field. Nothing is changed on an error."
)


class PeriodOut(Schema):
    id: int
    person_id: int
    full_name: str
    commune_code: str
    commune_name: str
    kind: str = Field(..., json_schema_extra=enum(MonitoringKind.choices))
    case_id: int | None
    declaration_id: int | None
    start: datetime.date
    end: datetime.date
    status: str = Field(..., description="`active`, `completed` or `lost`.")
    last_check: datetime.date | None
    version: int = Field(..., description="Send it back with the next check or the close.")


def period_out(p):
    last = getattr(p, "last_check", None)
    if last is None and not hasattr(p, "last_check"):
        last = p.checks.aggregate(last=Max("date"))["last"]
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "full_name": p.person.full_name,
        "commune_code": p.person.area.code,
        "commune_name": p.person.area.name,
        "kind": p.kind,
        "case_id": p.case_id,
        "declaration_id": p.declaration_id,
        "start": p.start,
        "end": p.end,
        "status": p.status,
        "last_check": last,
        "version": p.version,
    }


class PeriodQuery(KeywordQuery):
    tab: str = Field(
        "due",
        description="`due` (due today), `missed` (no check for 2 days or more), `active`, `ended`.",
        examples=["due"],
    )
    commune_code: str | None = Field(None, description="Code of a commune.", examples=["19789"])
    kind: str | None = Field(None, json_schema_extra=enum(MonitoringKind.choices, null=True))


class PeriodListOut(PageOut):
    items: list[PeriodOut]


@router.get(
    "/monitoring",
    operation_id="vigil_api_investigation_monitoring",
    response={200: PeriodListOut, **QUEUE_ERRORS},
    summary="People under medical monitoring",
    description=(
        "The pages' tabs (`tab`): due a check today, missed for 2 days or more, every active "
        "period, ended ones; in the caller's scope (the person's commune), filtered by "
        "`commune_code`, `kind` and `q` (name words, whole ID number or phone)."
    ),
    url_name="investigation_monitoring",
)
@api_requires(READ_MONITORING)
def period_list(request, filters: PeriodQuery = FILTERS):
    if filters.tab not in TABS:
        return invalid(request, {"tab": [f"One of {', '.join(TABS)}."]})
    form = MonitoringFilterForm({"kind": filters.kind or ""}, user=request.auth)
    if not form.is_valid():
        return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})
    qs = form.filter_qs(monitoring.tab(request.auth, filters.tab))
    if filters.commune_code:
        qs = qs.filter(person__area__code=filters.commune_code.strip())
    if filters.q and filters.q.strip():
        qs = qs.filter(keyword_q(filters.q.strip()))
    qs = qs.annotate(last_check=Max("checks__date")).order_by("end", "id")
    return page(qs, filters, period_out)


class CheckOut(Schema):
    date: datetime.date
    temperature: str | None = Field(..., description="°C, one decimal.")
    symptoms: list[str] = Field(..., description="Names of the symptoms reported.")
    symptomatic: bool = Field(..., description="A symptom, or 37.5 °C or more.")
    note: str
    checked_by: str
    checked_at: datetime.datetime


class PeriodDetailOut(PeriodOut):
    checks: list[CheckOut]


def check_out(c):
    return {
        "date": c.date,
        "temperature": str(c.temperature) if c.temperature is not None else None,
        "symptoms": [name for name in MonitoringCheck.SYMPTOMS if getattr(c, name)],
        "symptomatic": monitoring.is_symptomatic(c),
        "note": c.note,
        "checked_by": c.checked_by.username if c.checked_by_id else "",
        "checked_at": c.checked_at,
    }


def _period(request, period_id):
    return get_for_user(
        MonitoringPeriod.objects.select_related("person__area"), request.auth, pk=period_id
    )


def _detail(period):
    checks = period.checks.select_related("checked_by").order_by("date")
    return {**period_out(period), "checks": [check_out(c) for c in checks]}


@router.get(
    "/monitoring/{int:period_id}",
    operation_id="vigil_api_investigation_period",
    response={200: PeriodDetailOut, **READ_ERRORS},
    summary="One monitoring period with its daily checks",
    url_name="investigation_period",
)
@api_requires(READ_MONITORING)
def period_detail(request, period_id: int = PERIOD_PATH):
    return _detail(_period(request, period_id))


class CheckIn(Schema):
    date: str | None = Field(None, description="YYYY-MM-DD, inside the period. Required.")
    temperature: str | None = Field(None, description="°C, 34.0 to 43.0.")
    symptoms: list[str] = Field(
        [], description="Among " + ", ".join(f"`{s}`" for s in MonitoringCheck.SYMPTOMS) + "."
    )
    note: str | None = ""
    version: int | None = Field(
        None, description="The period's `version`: required to change a day already checked."
    )


@router.post(
    "/monitoring/{int:period_id}/checks",
    operation_id="vigil_api_investigation_check",
    response={200: PeriodDetailOut, **ERRORS},
    summary="Record the day's check",
    description=(
        "One check a day: a second one of the same day changes it, with the period's "
        "`version`. A symptom, or 37.5 °C or more, puts the person's latest declaration "
        "back in CDC's triage queue." + ERRORS_TEXT
    ),
    url_name="investigation_check",
    openapi_extra=body_doc(
        CheckIn, {"date": "2021-08-05", "temperature": "37.8", "symptoms": ["sym_cough"]}
    ),
)
@api_requires(RECORD_MONITORING)
def record_check(request, period_id: int = PERIOD_PATH):
    period = _period(request, period_id)
    payload = read_body(request, CheckIn)
    errors = {}
    day = iso_date(payload.date, "date", errors)
    if not payload.date:
        errors["date"] = [required_error()]
    note = text(payload.note, "note", errors, max_length=300)
    if errors:
        return invalid(request, errors)
    try:
        monitoring.record_check(
            period,
            actor=request.auth,
            version=payload.version,
            date=day,
            temperature=payload.temperature,
            symptoms=dict.fromkeys(payload.symptoms, True),
            note=note,
        )
    except monitoring.StalePeriod as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return Status(200, _detail(_period(request, period_id)))


class CloseIn(Schema):
    status: str | None = Field(None, description="`completed` or `lost`. Required.")
    note: str | None = Field("", description="Required for `lost`: why.")
    version: int | None = Field(None, description="The period's `version`. Required.")


@router.post(
    "/monitoring/{int:period_id}/close",
    operation_id="vigil_api_investigation_period_close",
    response={200: PeriodDetailOut, **ERRORS},
    summary="End a monitoring period: completed or lost to follow-up",
    description="No more checks afterwards." + ERRORS_TEXT,
    url_name="investigation_period_close",
    openapi_extra=body_doc(CloseIn, {"status": "completed", "note": "", "version": 5}),
)
@api_requires(RECORD_MONITORING)
def close(request, period_id: int = PERIOD_PATH):
    period = _period(request, period_id)
    payload = read_body(request, CloseIn)
    errors = {}
    if payload.version is None:
        errors["version"] = [required_error()]
    if not payload.status:
        errors["status"] = [required_error()]
    note = text(payload.note, "note", errors, max_length=300)
    if errors:
        return invalid(request, errors)
    try:
        monitoring.close_period(
            period, actor=request.auth, version=payload.version, status=payload.status, note=note
        )
    except monitoring.StalePeriod as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return Status(200, _detail(_period(request, period_id)))
