"""Registrations to return through the API (R-V4, R-V6, R-N5).

Two audiences share the prefix /api/v1/registrations:

- citizens (the mobile app, with the citizen token of POST
  /api/v1/declarations/otp/verify) register a planned return before
  travelling, for themselves or on behalf of a relative, and read the
  registrations their phone made with the decision. A registration belongs to
  the phone that submitted it: any other phone gets 404;
- staff (personal token or browser session) read the approval queue of their
  jurisdiction and approve or reject ("Duyệt đăng ký về địa phương") with
  the task groups of the approvals page (vigil.core.modules.APPROVE).

Bodies carry codes (country ISO code, administrative unit codes) and are
validated by the web page's form (vigil.verification.views_registration), so
the app refuses exactly what the web refuses, with the same messages. Every
change goes through vigil.verification.registrations.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from vigil.api.citizen_auth import CitizenAuth
from vigil.api.common import (
    COMMUNE_QUERY,
    DATE_FROM_QUERY,
    DATE_ON_QUERY,
    DATE_TO_QUERY,
    DISTRICT_QUERY,
    KEYWORD_QUERY,
    LIMIT_QUERY,
    NOTE_MAX,
    OFFSET_QUERY,
    OPTIONAL_BODY,
    PAGE_MAX,
    ErrorOut,
    body_doc,
    body_example,
    check_version,
    choice,
    common_filters,
    enum,
    error,
    identity,
    invalid,
    iso_date,
    one_of,
    page,
    read_body,
    require,
    response_example,
    service_fields,
    stale,
    text,
)
from vigil.api.declarations.output import citizen_out
from vigil.api.declarations.output import queryset as declaration_queryset
from vigil.api.declarations.schemas import (
    EXAMPLE_CITIZEN,
    IDEMPOTENCY_HEADER,
    CitizenDeclarationIn,
    CitizenDeclarationOut,
)
from vigil.api.declarations.schemas import EXAMPLE_OUT as EXAMPLE_DECLARATION_OUT
from vigil.api.declarations.translate import DEPARTURE_LEVELS, FORM_TO_API, _units, scoped_key
from vigil.api.declarations.translate import validate as validate_declaration
from vigil.audit.services import Action, log, stale_message
from vigil.core.modules import APPROVE
from vigil.core.scope import get_for_user
from vigil.declarations import services as declaration_services
from vigil.declarations.models import Channel, RegistrationKind, Transport
from vigil.declarations.transitions import TransitionRefused
from vigil.people.models import Gender, IdKind
from vigil.people.permissions import may_see_identity
from vigil.verification import registrations
from vigil.verification.forms import RegistrationForm, declaration_initial
from vigil.verification.models import Registration, RegistrationChannel, RegistrationState

router = Router(tags=["registrations to return"])
citizen_auth = CitizenAuth()
CITIZEN_TAGS = ["registrations to return: citizens"]
MINE_LIMIT = 100

REGISTRATION_ID = Path(..., description="The registration's `id`.", example=7)
REGISTRATION_CODE = Path(..., description="The registration's short code.", example="QH4T7XKM")
ERRORS_TEXT = (
    " Errors: 403 when the caller's task groups do not allow deciding; 404 outside the "
    "caller's jurisdiction; 409 `stale` when the registration changed since `version` was "
    "read (read it again); 409 `already_handled` when it was already decided; 422 `invalid` "
    "with the messages per field. Nothing is changed on an error. Who may decide: "
    + ", ".join(f"`{task}`" for task in APPROVE)
    + "."
)


def _queryset():
    return Registration.objects.select_related(
        "area", "village", "departure_country", "departure_unit", "declaration", "decided_by"
    )


# Bodies -------------------------------------------------------------------


class RegistrationIn(Schema):
    """A planned return (R-V6): the declaration's identity, departure, destination
    and journey fields, with codes; no health questions (they are answered on arrival)."""

    full_name: str | None = Field(None, description="Required.")
    id_kind: str | None = Field("cccd", json_schema_extra=enum(IdKind.choices, null=True))
    id_number: str | None = Field(
        None, description="CMND 9 digits, CCCD 12 digits; required unless id_kind is 'other'."
    )
    phone: str | None = Field(
        None, description="The person's phone; defaults to the verified phone."
    )
    birth_year: int | None = Field(None, description="Required.")
    gender: str | None = Field(None, json_schema_extra=enum(Gender.choices, null=True))
    registration_kind: str | None = Field(
        None,
        json_schema_extra=enum(RegistrationKind.choices, null=True),
        description="The reason for returning. Required.",
    )
    student_code: str | None = Field("", description="Required for a student.")
    school: str | None = Field("", description="Required for a student.")
    departure_country: str | None = Field("VN", description="ISO 3166-1 alpha-2 code.")
    departure_unit_code: str | None = Field(
        None,
        description="Departure province, district or commune (GET /api/v1/areas/units); "
        "at least a province when departing from Vietnam.",
    )
    departure_place: str | None = Field("", description="City or place abroad.")
    area_code: str | None = Field(
        None, description="Destination commune in the province: it decides. Required."
    )
    village_code: str | None = Field(None, description="A village of that commune.")
    address: str | None = Field(None, description="Street address. Required.")
    transport: str | None = Field(None, json_schema_extra=enum(Transport.choices, null=True))
    transport_number: str | None = Field(
        "", description="Plate or flight number; required for plane, train and coach."
    )
    arrival_date: str | None = Field(
        None,
        description="YYYY-MM-DD: the planned arrival, today or later. Required.",
        json_schema_extra={"format": "date"},
    )
    note: str | None = Field("", description=f"For the commune; at most {NOTE_MAX} characters.")
    is_proxy: bool = Field(False, description="Registered on behalf of someone else.")
    proxy_relation: str | None = Field(
        "", description="How the registrant is related to that person; required with is_proxy."
    )


DIRECT_FIELDS = (
    "full_name", "id_kind", "id_number", "phone", "birth_year", "gender", "registration_kind",
    "student_code", "school", "departure_place", "address", "transport", "transport_number",
    "note",
)  # fmt: skip


def validate(payload, phone):
    """(bound and validated RegistrationForm, the API's field errors)."""
    data, errors = {}, {}
    for name in DIRECT_FIELDS:
        value = getattr(payload, name)
        if value is not None:
            data[name] = value
    if not (data.get("phone") or "").strip():
        data["phone"] = phone
    if payload.departure_country:
        data["departure_country"] = payload.departure_country.strip().upper()
    arrival = iso_date(payload.arrival_date, "arrival_date", errors)
    if arrival is not None:
        data["arrival_date"] = arrival
    units = _units(payload, errors)
    for unit in units.get("departure_chain", []):
        if unit["level"] in DEPARTURE_LEVELS:
            data[DEPARTURE_LEVELS[unit["level"]]] = unit["pk"]
    for name, field in (("area_code", "area"), ("village_code", "village")):
        if name in units:
            data[field] = units[name]["pk"]
    if payload.is_proxy:
        data["proxy_relation"] = payload.proxy_relation or ""
    form = RegistrationForm(data, proxy=payload.is_proxy)
    fields = {}
    if not form.is_valid():
        for name, messages in form.errors.items():
            target = fields.setdefault(FORM_TO_API.get(name, name), [])
            target.extend(m for m in messages if m not in target)
    fields.update(errors)
    return form, fields


class DecisionIn(Schema):
    version: int | None = Field(
        None,
        description="The `version` of the registration as it was read. Required.",
        json_schema_extra={"example": 1},
    )
    reason: str | None = Field(
        "", description=f"Required to reject; a note when approving. At most {NOTE_MAX}."
    )


# Output -------------------------------------------------------------------


class EventOut(Schema):
    at: datetime.datetime
    actor: str | None = Field(..., description="Username; null for the citizen or the system.")
    action: str
    label: str
    from_state: str
    to_state: str
    note: str


class RegistrationOut(Schema):
    code: str
    state: str = Field(..., json_schema_extra=enum(RegistrationState.choices))
    full_name: str
    id_kind: str
    id_number: str = Field(..., description="Masked to staff whose task groups need not see it.")
    phone: str = Field(..., description="Masked like the ID number.")
    birth_year: int
    gender: str
    registration_kind: str
    student_code: str
    school: str
    departure_country: str
    departure_unit_code: str | None
    departure_unit_name: str | None
    departure_place: str
    area_code: str
    area_name: str
    village_code: str | None
    address: str
    arrival_date: datetime.date
    transport: str
    transport_number: str
    note: str
    channel: str
    is_proxy: bool
    proxy_relation: str
    decided_at: datetime.datetime | None
    decision_note: str = Field(..., description="The reason of a rejection.")
    declaration_code: str | None = Field(
        ..., description="The arrival declaration made from it, once declared."
    )
    created_at: datetime.datetime
    version: int = Field(..., description="Send it back with a decision.")


class StaffRegistrationOut(RegistrationOut):
    id: int
    decided_by: str | None
    history: list[EventOut]


def _out(r, whole=True):
    departure, village = r.departure_unit, r.village
    return {
        "code": r.code,
        "state": r.state,
        "full_name": r.full_name,
        "id_kind": r.id_kind,
        **identity(r, whole),
        **{
            name: getattr(r, name)
            for name in (
                "birth_year",
                "gender",
                "registration_kind",
                "student_code",
                "school",
                "departure_place",
                "address",
                "arrival_date",
                "transport",
                "transport_number",
                "note",
                "channel",
                "is_proxy",
                "proxy_relation",
                "decided_at",
                "decision_note",
                "created_at",
                "version",
            )
        },  # fmt: skip
        "departure_country": r.departure_country_id,
        "departure_unit_code": departure.code if departure else None,
        "departure_unit_name": departure.name if departure else None,
        "area_code": r.area.code,
        "area_name": r.area.name,
        "village_code": village.code if village else None,
        "declaration_code": r.declaration.code if r.declaration_id else None,
    }


def _staff_out(request, r):
    events = r.events.select_related("actor")
    return {
        **_out(r, whole=may_see_identity(request.auth)),
        "id": r.pk,
        "decided_by": r.decided_by.username if r.decided_by_id else None,
        "history": [
            {
                "at": e.at,
                "actor": e.actor.username if e.actor else None,
                "action": e.action,
                "label": str(e.label),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "note": e.note,
            }
            for e in events
        ],
    }


EXAMPLE_IN = {
    "full_name": "Nguyễn Văn An",
    "id_kind": "cccd",
    "id_number": "046090001234",
    "birth_year": 1990,
    "gender": "male",
    "registration_kind": "return_home",
    "departure_country": "VN",
    "departure_unit_code": "79",
    "area_code": "19789",
    "address": "12 Nguyễn Huệ",
    "transport": "plane",
    "transport_number": "VN1545",
    "arrival_date": "2021-09-05",
    "note": "Về cùng vợ và con nhỏ.",
}
EXAMPLE_OUT = {
    "code": "QH4T7XKM",
    "state": "pending",
    "full_name": "Nguyễn Văn An",
    "id_kind": "cccd",
    "id_number": "046090001234",
    "phone": "0905123456",
    "birth_year": 1990,
    "gender": "male",
    "registration_kind": "return_home",
    "student_code": "",
    "school": "",
    "departure_country": "VN",
    "departure_unit_code": "79",
    "departure_unit_name": "Thành phố Hồ Chí Minh",
    "departure_place": "",
    "area_code": "19789",
    "area_name": "Phường Phú Nhuận",
    "village_code": None,
    "address": "12 Nguyễn Huệ",
    "arrival_date": "2021-09-05",
    "transport": "plane",
    "transport_number": "VN1545",
    "note": "Về cùng vợ và con nhỏ.",
    "channel": "app",
    "is_proxy": False,
    "proxy_relation": "",
    "decided_at": None,
    "decision_note": "",
    "declaration_code": None,
    "created_at": "2021-09-01T08:15:00+07:00",
    "version": 1,
}
EXAMPLE_STAFF_OUT = {
    **EXAMPLE_OUT,
    "id": 7,
    "state": "approved",
    "decided_at": "2021-09-01T10:00:00+07:00",
    "decided_by": "community.phunhuan",
    "version": 2,
    "history": [
        {
            "at": "2021-09-01T08:15:00+07:00",
            "actor": None,
            "action": "submitted",
            "label": "Registered",
            "from_state": "",
            "to_state": "pending",
            "note": "",
        },
        {
            "at": "2021-09-01T10:00:00+07:00",
            "actor": "community.phunhuan",
            "action": "approve",
            "label": "Registration approved",
            "from_state": "pending",
            "to_state": "approved",
            "note": "",
        },
    ],
}


# Citizens -----------------------------------------------------------------


def _saved_examples(body, out):
    """The examples of a POST that answers `out` with 201, or 200 for a repeat."""
    responses = {}
    for status in (200, 201):
        responses.update(response_example(out, status)["responses"])
    return {**body_example(body), "responses": responses}


def _mine(request, code):
    """A registration this phone submitted, else 404 (missing and not-yours look the same)."""
    code = (code or "").strip().upper()[:16]
    registration = _queryset().from_phone(request.auth).filter(code=code).first()
    if registration is None:
        raise Http404
    return registration


@router.post(
    "",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: RegistrationOut, 201: RegistrationOut, 401: ErrorOut, 422: ErrorOut},
    summary="Register a planned return (for oneself or on behalf of someone)",
    description=(
        '"Đăng ký về địa phương" (R-V6), before travelling: the destination commune '
        "(`area_code`) approves or rejects it, and the decision is sent to the verified phone "
        "by SMS. The fields and rules are the web form's; `arrival_date` is the planned "
        "arrival, today or later. With `is_proxy` the verified phone registers for someone "
        "else (give `proxy_relation`). 201 with the registration; 200 with the same one when "
        "the `Idempotency-Key` was already used by this phone. 422 with the messages per field."
    ),
    url_name="registration_create",
    openapi_extra=_saved_examples(EXAMPLE_IN, EXAMPLE_OUT),
)
def create(request, payload: RegistrationIn, idempotency_key: str = IDEMPOTENCY_HEADER):
    phone = request.auth
    form, fields = validate(payload, phone)
    if fields:
        return invalid(request, fields)
    try:
        registration, created = registrations.submit_registration(
            form.registration_values(),
            channel=RegistrationChannel.APP,
            submitter_phone=phone,
            is_proxy=payload.is_proxy,
            proxy_relation=form.cleaned_data.get("proxy_relation", ""),
            idempotency_key=scoped_key(f"registration:{phone}", idempotency_key),
            request=request,
        )
    except ValidationError as exc:
        return invalid(request, {FORM_TO_API.get(k, k): v for k, v in service_fields(exc).items()})
    return Status(201 if created else 200, _out(_queryset().get(pk=registration.pk)))


@router.get(
    "/mine",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: list[RegistrationOut], 401: ErrorOut},
    summary="The registrations of the verified phone, with their decisions",
    description=f"Newest first, at most {MINE_LIMIT}.",
    url_name="registration_mine",
    openapi_extra=response_example([EXAMPLE_OUT]),
)
def mine(request):
    rows = _queryset().from_phone(request.auth).order_by("-created_at", "-id")[:MINE_LIMIT]
    return [_out(r) for r in rows]


@router.get(
    "/mine/{registration_code}",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: RegistrationOut, 401: ErrorOut, 404: ErrorOut},
    summary="One registration of the verified phone",
    description=(
        "Its state and decision; once approved and declared, `declaration_code` names the "
        "arrival declaration. 404 for a code this phone did not register."
    ),
    url_name="registration_mine_detail",
    openapi_extra=response_example(EXAMPLE_OUT),
)
def mine_detail(request, registration_code: str = REGISTRATION_CODE):
    return _out(_mine(request, registration_code))


class DraftOut(CitizenDeclarationIn):
    """The body of POST …/declaration, pre-filled from the registration."""


def _draft(registration):
    """The arrival declaration's body from an approved registration (codes, as
    POST /declarations takes them): the web page's pre-filled values."""
    initial = declaration_initial(registration)
    r = registration
    return {
        **{name: initial[name] for name in DIRECT_FIELDS if name in initial},
        "departure_country": r.departure_country_id,
        "departure_unit_code": r.departure_unit.code if r.departure_unit_id else None,
        "area_code": r.area.code,
        "village_code": r.village.code if r.village_id else None,
        "arrival_date": initial["arrival_date"].isoformat(),
        "visited_areas": "",
        "occupation": "",
        "answers": {},
        "is_proxy": r.is_proxy,
        "proxy_relation": r.proxy_relation,
    }


def _approved(request, registration):
    """None when an arrival may be declared from it, else the 409 to answer."""
    if registration.state != RegistrationState.APPROVED:
        return error(
            request,
            409,
            "not_approved",
            _("Only an approved registration pre-fills the declaration."),
        )
    return None


@router.get(
    "/mine/{registration_code}/declaration",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: DraftOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="The arrival declaration pre-filled from an approved registration",
    description=(
        '"Khai báo khi về": the body of POST …/declaration filled from the registration '
        "(identity, departure, destination, journey; the arrival date is the planned one, or "
        "today when that is still ahead). The health questions are left unanswered: the "
        "citizen answers them on arrival. 409 `not_approved` before the approval; 404 for a "
        "code this phone did not register."
    ),
    url_name="registration_declaration_draft",
    openapi_extra=response_example(
        {
            **{k: v for k, v in EXAMPLE_IN.items() if k != "note"},
            "phone": "0905123456",
            "student_code": "",
            "school": "",
            "departure_place": "",
            "village_code": None,
            "visited_areas": "",
            "occupation": "",
            "answers": {},
            "is_proxy": False,
            "proxy_relation": "",
        }
    ),
)
def declaration_draft(request, registration_code: str = REGISTRATION_CODE):
    registration = _mine(request, registration_code)
    refused = _approved(request, registration)
    if refused is not None:
        return refused
    return _draft(registration)


@router.post(
    "/mine/{registration_code}/declaration",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={
        200: CitizenDeclarationOut,
        201: CitizenDeclarationOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Declare the arrival from an approved registration",
    description=(
        "The same body and rules as POST /api/v1/declarations (start from GET "
        "…/declaration and answer the questions); the declaration is made on behalf of "
        "someone when the registration was, and the registration then names it "
        "(`declaration_code`). 201 with the declaration; 200 with the same one for a "
        "repeated `Idempotency-Key` or when the registration already names it. 409 "
        "`not_approved` before the approval, `already_handled` when another declaration "
        "was already made from it. 404 for a code this phone did not register."
    ),
    url_name="registration_declare",
    openapi_extra=_saved_examples(EXAMPLE_CITIZEN, EXAMPLE_DECLARATION_OUT),
)
def declare(
    request,
    registration_code: str = REGISTRATION_CODE,
    payload: CitizenDeclarationIn = OPTIONAL_BODY,
    idempotency_key: str = IDEMPOTENCY_HEADER,
):
    # The body is optional to the parser so that another phone's code answers
    # 404 before anything about the body.
    registration = _mine(request, registration_code)
    if registration.declaration_id is not None:
        return Status(200, citizen_out(declaration_queryset().get(pk=registration.declaration_id)))
    refused = _approved(request, registration)
    if refused is not None:
        return refused
    phone = request.auth
    payload = payload or CitizenDeclarationIn()
    form, fields, relation = validate_declaration(
        payload, default_phone=phone, proxy=registration.is_proxy
    )
    if fields:
        return invalid(request, fields)
    try:
        # One transaction: a registration already used undoes the declaration.
        with transaction.atomic():
            submission = declaration_services.submit_declaration(
                form.identity(),
                {**form.declaration_data(), "proxy_relation": relation},
                channel=Channel.APP,
                submitter_phone=phone,
                is_proxy=registration.is_proxy,
                idempotency_key=scoped_key(f"citizen:{phone}", idempotency_key),
                request=request,
            )
            registrations.link_declaration(registration, submission.declaration, request=request)
    except TransitionRefused as exc:
        return error(request, 409, "already_handled", exc.message)
    declaration = declaration_queryset().get(pk=submission.declaration.pk)
    return Status(201 if submission.created else 200, citizen_out(declaration))


# Staff --------------------------------------------------------------------


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


class QueueOut(Schema):
    total: int = Field(..., description="How many registrations match, on every page.")
    limit: int
    offset: int
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
    response={200: QueueOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Registrations to return waiting for a decision",
    description=(
        '"Duyệt đăng ký về địa phương" (R-V4): pending registrations whose destination is in '
        "the caller's jurisdiction, oldest first. Filters: `district_code`, `commune_code`, "
        "`registration_kind`, `q` (name words, ID number, phone or code), and a date range "
        "`date_from`..`date_to` (YYYY-MM-DD) on the date of registration or, with "
        f"`date_on=arrival`, of the planned arrival. Page with `limit` (at most {PAGE_MAX}) "
        "and `offset`. ID numbers and phones are masked. Who may read it: "
        + ", ".join(f"`{task}`" for task in APPROVE)
        + "."
    ),
    url_name="registration_queue",
    openapi_extra=response_example(
        {
            "total": 1,
            "limit": 50,
            "offset": 0,
            "items": [
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
            ],
        }
    ),
)
def queue(
    request,
    district_code: str | None = DISTRICT_QUERY,
    commune_code: str | None = COMMUNE_QUERY,
    registration_kind: str | None = Query(
        None, description=one_of(RegistrationKind.choices), example="student"
    ),
    q: str | None = KEYWORD_QUERY,
    date_on: str | None = DATE_ON_QUERY,
    date_from: str | None = DATE_FROM_QUERY,
    date_to: str | None = DATE_TO_QUERY,
    limit: int = LIMIT_QUERY,
    offset: int = OFFSET_QUERY,
):
    require(request.auth, APPROVE)
    errors = {}
    kind = choice(registration_kind, RegistrationKind.choices, "registration_kind", errors)
    qs = common_filters(
        _queryset().visible_to(request.auth).awaiting_decision(),
        errors,
        district_code=district_code,
        commune_code=commune_code,
        q=None,  # a registration's own words: Registration.objects.matching
        date_on=date_on,
        date_from=date_from,
        date_to=date_to,
    )
    if errors:
        return invalid(request, errors)
    if kind:
        qs = qs.filter(registration_kind=kind)
    if q and q.strip():
        qs = qs.matching(q.strip())
    return page(qs.order_by("created_at", "id"), limit, offset, _queue_item)


def _scoped(request, registration_id):
    require(request.auth, APPROVE)
    return get_for_user(_queryset(), request.auth, pk=registration_id)


@router.get(
    "/{int:registration_id}",
    response={200: StaffRegistrationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="One registration to return, with its history",
    description=(
        "404 outside the caller's jurisdiction. Whole ID number and phone only for task "
        "groups that need them. Each read is logged in the audit trail."
    ),
    url_name="registration_detail",
    openapi_extra=response_example(EXAMPLE_STAFF_OUT),
)
def detail(request, registration_id: int = REGISTRATION_ID):
    registration = _scoped(request, registration_id)
    log(request, Action.VIEW, registration, detail={"via": "api"})
    return _staff_out(request, registration)


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
    return _staff_out(request, _queryset().get(pk=done.pk))


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
def approve(request, registration_id: int = REGISTRATION_ID):
    return _decide(request, registration_id, approve=True)


@router.post(
    "/{int:registration_id}/reject",
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
def reject(request, registration_id: int = REGISTRATION_ID):
    return _decide(request, registration_id, approve=False)


__all__ = ["router"]
