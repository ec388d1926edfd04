"""Staff's approval of registrations to return (R-V4): the queue of the
caller's jurisdiction, one registration with its history, approve or reject
("Duyệt đăng ký về địa phương"), for APPROVE_REGISTRATION."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Schema

from vigil.api.common import (
    FILTERS,
    PAGE_MAX,
    QUEUE_ERRORS,
    READ_ERRORS,
    ErrorOut,
    PageOut,
    QueueQuery,
    body_doc,
    check_version,
    choice,
    common_filters,
    error,
    invalid,
    one_of,
    page,
    page_example,
    read_body,
    response_example,
    service_fields,
    stale,
    text,
)
from vigil.api.registrations import router
from vigil.api.registrations.schemas import (
    ERRORS_TEXT,
    EXAMPLE_STAFF_OUT,
    REGISTRATION_ID,
    DecisionIn,
    StaffRegistrationOut,
    queryset,
    staff_out,
)
from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import APPROVE_REGISTRATION, api_requires, get
from vigil.core.scope import get_for_user
from vigil.declarations.models import RegistrationKind
from vigil.declarations.transitions import TransitionRefused
from vigil.verification import registrations

DECIDERS = ", ".join(f"`{task}`" for task in get(APPROVE_REGISTRATION).tasks)


class QueueItemOut(Schema):
    id: int
    code: str
    full_name: str
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    birth_year: int
    registration_kind: str
    area_code: str
    area_name: str
    departure: str
    arrival_date: datetime.date
    is_proxy: bool
    created_at: datetime.datetime
    state: str
    version: int


class QueueOut(PageOut):
    items: list[QueueItemOut]


def _queue_item(r):
    if r.departure_unit is not None:
        departure = r.departure_unit.name
    else:
        departure = " – ".join(filter(None, [r.departure_country.name, r.departure_place]))
    return {
        "id": r.pk,
        "code": r.code,
        "full_name": r.full_name,
        "id_number": r.masked_id_number,
        "phone": r.masked_phone,
        "birth_year": r.birth_year,
        "registration_kind": r.registration_kind,
        "area_code": r.area.code,
        "area_name": r.area.name,
        "departure": departure,
        "arrival_date": r.arrival_date,
        "is_proxy": r.is_proxy,
        "created_at": r.created_at,
        "state": r.state,
        "version": r.version,
    }


@router.get(
    "/queue",
    operation_id="vigil_api_registrations_queue",
    response={200: QueueOut, **QUEUE_ERRORS},
    summary="Registrations to return waiting for a decision",
    description=(
        '"Duyệt đăng ký về địa phương" (R-V4): pending registrations whose destination is in '
        "the caller's jurisdiction, oldest first. Filters: `district_code`, `commune_code`, "
        "`registration_kind`, `q` (name words, ID number, phone or code), and a date range "
        "`date_from`..`date_to` (YYYY-MM-DD) on the date of registration or, with "
        f"`date_on=arrival`, of the planned arrival. Page with `limit` (at most {PAGE_MAX}) "
        "and `offset`. ID numbers and phones are masked. Who may read it: " + DECIDERS + "."
    ),
    url_name="registration_queue",
    openapi_extra=page_example(
        {
            "id": 7,
            "code": "QH4T7XKM",
            "full_name": "Nguyễn Văn An",
            "id_number": "04•••••••234",
            "phone": "090••••456",
            "birth_year": 1990,
            "registration_kind": "return_home",
            "area_code": "19789",
            "area_name": "Phường Phú Nhuận",
            "departure": "Thành phố Hồ Chí Minh",
            "arrival_date": "2021-09-05",
            "is_proxy": False,
            "created_at": "2021-09-01T08:15:00+07:00",
            "state": "pending",
            "version": 1,
        }
    ),
)
@api_requires(APPROVE_REGISTRATION)
def queue(
    request,
    filters: QueueQuery = FILTERS,
    registration_kind: str | None = Query(
        None, description=one_of(RegistrationKind.choices), example="student"
    ),
):
    errors = {}
    kind = choice(registration_kind, RegistrationKind.choices, "registration_kind", errors)
    # A registration's own words: Registration.objects.matching.
    qs = queryset().visible_to(request.auth).awaiting_decision()
    qs = common_filters(qs, errors, filters, keyword=None)
    if errors:
        return invalid(request, errors)
    if kind:
        qs = qs.filter(registration_kind=kind)
    if filters.q and filters.q.strip():
        qs = qs.matching(filters.q.strip())
    return page(qs.order_by("created_at", "id"), filters, _queue_item)


def _scoped(request, registration_id):
    return get_for_user(queryset(), request.auth, pk=registration_id)


@router.get(
    "/{int:registration_id}",
    operation_id="vigil_api_registrations_detail",
    response={200: StaffRegistrationOut, **READ_ERRORS},
    summary="One registration to return, with its history",
    description=(
        "404 outside the caller's jurisdiction. Whole ID number and phone only for task "
        "groups that need them. Each read is logged in the audit trail."
    ),
    url_name="registration_detail",
    openapi_extra=response_example(EXAMPLE_STAFF_OUT),
)
@api_requires(APPROVE_REGISTRATION)
def detail(request, registration_id: int = REGISTRATION_ID):
    registration = _scoped(request, registration_id)
    log(request, Action.VIEW, registration, detail={"via": "api"})
    return staff_out(request, registration)


def _decide(request, registration_id, approve):
    registration = _scoped(request, registration_id)
    payload = read_body(request, DecisionIn)
    errors = {}
    check_version(payload, errors)
    reason = text(payload.reason, "reason", errors)
    if errors:
        return invalid(request, errors)
    try:
        done = registrations.decide(
            registration,
            actor=request.auth,
            version=payload.version,
            approve=approve,
            reason=reason,
            request=request,
        )
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    except registrations.StaleRegistration as exc:
        return stale(request, stale_message(exc.current))
    except TransitionRefused as exc:
        return error(request, 409, "already_handled", exc.message)
    return staff_out(request, queryset().get(pk=done.pk))


DECISION_RESPONSES = {
    200: StaffRegistrationOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


@router.post(
    "/{int:registration_id}/approve",
    operation_id="vigil_api_registrations_approve",
    response=DECISION_RESPONSES,
    summary="Approve a registration to return",
    description=(
        "The destination commune agrees to the return (R-V4). The decision is sent to the "
        "phone that registered by SMS, and the citizen may then declare the arrival from it."
        + ERRORS_TEXT
    ),
    url_name="registration_approve",
    openapi_extra={
        **body_doc(DecisionIn, {"version": 1, "reason": ""}),
        **response_example(EXAMPLE_STAFF_OUT),
    },
)
@api_requires(APPROVE_REGISTRATION)
def approve(request, registration_id: int = REGISTRATION_ID):
    return _decide(request, registration_id, approve=True)


@router.post(
    "/{int:registration_id}/reject",
    operation_id="vigil_api_registrations_reject",
    response=DECISION_RESPONSES,
    summary="Reject a registration to return",
    description=(
        "The destination commune refuses the return (R-V4); `reason` is required and is "
        "sent to the phone that registered by SMS." + ERRORS_TEXT
    ),
    url_name="registration_reject",
    openapi_extra={
        **body_doc(DecisionIn, {"version": 1, "reason": "Chưa có giấy xét nghiệm âm tính."}),
        **response_example(
            {
                **EXAMPLE_STAFF_OUT,
                "state": "rejected",
                "decision_note": "Chưa có giấy xét nghiệm âm tính.",
            }
        ),
    },
)
@api_requires(APPROVE_REGISTRATION)
def reject(request, registration_id: int = REGISTRATION_ID):
    return _decide(request, registration_id, approve=False)
