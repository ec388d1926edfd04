"""The guest register through the API (R-A1, R-A2) for staff tokens and
sessions: the register (the page's filters), one stay, check-in (by
declaration code, by person id, or with the arrival declaration's body),
check-out and corrections. Same services and messages as the pages; a stay
outside the caller's scope answers 404."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Path, Schema, Status

from vigil.api.common import (
    FILTERS,
    QUEUE_ERRORS,
    READ_ERRORS,
    ErrorOut,
    PageOut,
    PageQuery,
    body_doc,
    invalid,
    page,
    read_body,
    required_error,
    response_example,
    service_fields,
    stale,
)
from vigil.api.declarations.schemas import EXAMPLE_DECLARATION, DeclarationFields
from vigil.api.declarations.translate import scoped_key, validate
from vigil.api.lodging import router
from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import CHECK_IN_GUESTS, READ_GUESTS, api_requires
from vigil.core.scope import get_for_user, in_scope
from vigil.declarations import services as declarations
from vigil.declarations.models import Declaration
from vigil.lodging import services
from vigil.lodging.filters import TABS, GuestFilterForm
from vigil.lodging.models import GuestStay, StaySource
from vigil.people.models import Person

STAY_PATH = Path(..., description="The guest stay's `id`.", example=7)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class GuestStayOut(Schema):
    id: int
    person_id: int
    full_name: str
    birth_year: int | None
    establishment_id: int
    establishment_name: str
    commune_code: str
    room: str
    check_in: datetime.datetime
    planned_check_out: datetime.date | None
    check_out: datetime.datetime | None
    group_code: str
    source: str
    declared: bool = Field(..., description="A health declaration is linked to the stay.")
    declaration_code: str | None
    risk_colour: str | None
    qr_payload: str | None = Field(..., description="The signed text of the guest's QR code.")
    version: int = Field(..., description="Send it back with the next change.")


def stay_out(s):
    d = s.declaration
    return {
        "id": s.pk,
        "person_id": s.person_id,
        "full_name": s.person.full_name,
        "birth_year": s.person.birth_year,
        "establishment_id": s.establishment_id,
        "establishment_name": s.establishment.name,
        "commune_code": s.establishment.area.code,
        "room": s.room,
        "check_in": s.check_in,
        "planned_check_out": s.planned_check_out,
        "check_out": s.check_out,
        "group_code": s.group_code,
        "source": s.source,
        "declared": d is not None,
        "declaration_code": d.code if d else None,
        "risk_colour": d.risk_colour if d else None,
        "qr_payload": declarations.qr_payload(d) if d else None,
        "version": s.version,
    }


EXAMPLE_STAY = {
    "id": 7,
    "person_id": 311,
    "full_name": "Nguyễn Văn An",
    "birth_year": 1990,
    "establishment_id": 3,
    "establishment_name": "Khách sạn Sông Hàn",
    "commune_code": "20194",
    "room": "204",
    "check_in": "2021-08-21T14:05:00+07:00",
    "planned_check_out": "2021-08-23",
    "check_out": None,
    "group_code": "",
    "source": "reception",
    "declared": True,
    "declaration_code": "7KX3M9QA",
    "risk_colour": "green",
    "qr_payload": "VGL1:7KX3M9QA:3kq0bW1xYyZ9mP4tQeVw2sR8uAo",
    "version": 1,
}


def queryset():
    return GuestStay.objects.select_related("person", "declaration", "establishment__area")


class GuestQuery(PageQuery):
    tab: str = Field("in_house", description="`in_house` or `out` (checked out).")
    establishment: int | None = Field(None, description="An establishment's `id`.")
    district: int | None = Field(None, description="A district's `id`.")
    commune: int | None = Field(None, description="A commune's `id`.")
    declared: str | None = Field(None, description="`yes` or `no`.")
    colour: str | None = Field(None, description="A risk colour: green, yellow, orange, red.")
    date_from: datetime.date | None = Field(None, description="Checked in on or after.")
    date_to: datetime.date | None = Field(None, description="Checked in on or before.")
    room: str | None = None
    nationality: str | None = Field(None, description="Country code of the declaration.")
    q: str | None = Field(None, description="Name words, whole ID or passport number, phone.")


class GuestListOut(PageOut):
    items: list[GuestStayOut]


@router.get(
    "/guests",
    operation_id="vigil_api_lodging_guests",
    response={200: GuestListOut, **QUEUE_ERRORS},
    summary="The guest register",
    description=(
        "Guests in house (`tab=in_house`) or checked out (`tab=out`) in the caller's scope "
        "(an establishment's account: its own guests), with the register page's filters."
    ),
    url_name="lodging_guests",
)
@api_requires(READ_GUESTS)
def guest_list(request, filters: GuestQuery = FILTERS):
    if filters.tab not in dict(TABS):
        return invalid(request, {"tab": [f"One of {', '.join(dict(TABS))}."]})
    values = {
        k: "" if v is None else str(v)
        for k, v in filters.dict().items()
        if k not in ("limit", "offset")
    }
    form = GuestFilterForm(values, user=request.auth)
    if not form.is_valid():
        return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})
    qs = form.filter_qs(queryset().visible_to(request.auth)).order_by("-check_in", "-id")
    return page(qs, filters, stay_out)


@router.get(
    "/guests/{int:guest_stay_id}",
    operation_id="vigil_api_lodging_guest",
    response={200: GuestStayOut, **READ_ERRORS},
    summary="One guest stay (logged in the audit trail)",
    url_name="lodging_guest",
    openapi_extra=response_example(EXAMPLE_STAY),
)
@api_requires(READ_GUESTS)
def guest_detail(request, guest_stay_id: int = STAY_PATH):
    stay = get_for_user(queryset(), request.auth, pk=guest_stay_id)
    log(request, Action.VIEW, stay)
    return stay_out(stay)


class CheckInIn(Schema):
    declaration_code: str | None = Field(
        None, description="The code of the guest's declaration (under their QR), or its QR text."
    )
    person_id: int | None = Field(None, description="A returning guest of this establishment.")
    declaration: DeclarationFields | None = Field(
        None,
        description="The arrival declaration filled at the reception (as the declarations API).",
    )
    room: str | None = ""
    check_in: datetime.datetime | None = Field(None, description="Default: now.")
    planned_check_out: datetime.date | None = None
    nights: int | None = Field(None, description="Instead of `planned_check_out`.")


EXAMPLE_CHECK_IN = {"declaration_code": "7KX3M9QA", "room": "204", "nights": 2}


def _guest(request, payload, errors):
    """The check_in arguments naming the guest; errors added to `errors`."""
    user = request.auth
    if payload.declaration_code:
        text = payload.declaration_code.strip()
        try:
            code = declarations.code_from_payload(text) if ":" in text else text.upper()
        except declarations.InvalidCode:
            errors["declaration_code"] = [str(declarations.InvalidCode.message)]
            return {}
        found = Declaration.objects.filter(code=code).select_related("person").first()
        if found is None:
            errors["declaration_code"] = [_("No declaration has this code.")]
            return {}
        recent = services.latest_declaration(found.person)
        return {"declaration": recent} if recent else {"person": found.person}
    if payload.person_id is not None:
        return {"person": get_for_user(Person.objects.all(), user, pk=payload.person_id)}
    if payload.declaration is not None:
        form, fields, _relation = validate(payload.declaration)
        area = form.cleaned_data.get("area") if form.is_valid() else None
        if area is not None and not in_scope(user, area.path):
            fields.setdefault("area_code", []).append(
                _("This commune is outside your jurisdiction.")
            )
        errors.update({f"declaration.{k}": v for k, v in fields.items()})
        if fields:
            return {}
        identity = form.identity()
        known, _conflict = declarations.match_person(identity)
        recent = services.latest_declaration(known) if known is not None else None
        if recent is not None:  # R-P2: never a second declaration
            return {"declaration": recent}
        return {"identity": identity, "data": form.declaration_data()}
    errors["declaration_code"] = [
        _("Give the declaration code, the person, or the arrival declaration.")
    ]
    return {}


@router.post(
    "/guests",
    operation_id="vigil_api_lodging_check_in",
    response={200: GuestStayOut, 201: GuestStayOut, **ERRORS},
    summary="Check a guest in",
    description=(
        "By the guest's declaration code (or QR text): their recent declaration is linked; "
        "by `person_id`; or with the arrival `declaration` taken at the reception (channel "
        "`establishment`), unless the guest already declared in the last days, whose "
        "declaration is then linked. 201 with the stay; 200 when the Idempotency-Key "
        "matched an earlier check-in. 422 `invalid` with the messages per field."
    ),
    url_name="lodging_check_in",
    openapi_extra={
        **body_doc(
            CheckInIn,
            EXAMPLE_CHECK_IN,
            {
                "code": {"value": EXAMPLE_CHECK_IN},
                "declare": {"value": {"declaration": EXAMPLE_DECLARATION, "room": "101"}},
            },
        ),
        **response_example(EXAMPLE_STAY, 201),
    },
)
@api_requires(CHECK_IN_GUESTS)
def check_in(request, idempotency_key: str | None = Header(None, alias="Idempotency-Key")):
    user = request.auth
    establishment = user.establishment
    if establishment is None:
        # The capability is there; what is missing is the account's binding.
        message = _("This account is not bound to an establishment.")
        return invalid(request, {"establishment": [message]})
    payload = read_body(request, CheckInIn)
    errors = {}
    guest = _guest(request, payload, errors)
    at = payload.check_in or None
    planned = payload.planned_check_out
    if planned is None and payload.nights is not None:
        if not 0 <= payload.nights <= 365:
            errors["nights"] = [_("Between 0 and 365 nights.")]
        else:
            start = timezone.localdate(at) if at else timezone.localdate()
            planned = start + datetime.timedelta(days=payload.nights)
    if errors:
        return invalid(request, errors)
    key = scoped_key(f"lodging:{user.pk}", idempotency_key) or ""
    try:
        done = services.check_in(
            user,
            establishment,
            room=(payload.room or "").strip(),
            at=at,
            planned_check_out=planned,
            source=StaySource.RECEPTION,
            idempotency_key=key,
            **guest,
        )
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    stay = get_for_user(queryset(), user, pk=done.stay.pk)
    return Status(201 if done.created else 200, stay_out(stay))


class ChangeIn(Schema):
    version: int | None = Field(None, description="The stay's `version` as read. Required.")
    room: str | None = None
    planned_check_out: datetime.date | None = None
    check_out: datetime.datetime | None = Field(None, description="Correct the check-out time.")


class CheckOutIn(Schema):
    version: int | None = Field(None, description="The stay's `version` as read. Required.")
    at: datetime.datetime | None = Field(None, description="Default: now.")


def _run(request, action, stay, version, **kwargs):
    if version is None:
        return invalid(request, {"version": [required_error()]})
    try:
        updated = action(stay, actor=request.auth, version=version, **kwargs)
    except services.StaleGuestStay as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return stay_out(get_for_user(queryset(), request.auth, pk=updated.pk))


@router.post(
    "/guests/{int:guest_stay_id}/check-out",
    operation_id="vigil_api_lodging_check_out",
    response={200: GuestStayOut, **ERRORS},
    summary="Check a guest out",
    description="409 `stale` when the stay changed since its `version`; a check-out before "
    "the check-in is 422.",
    url_name="lodging_check_out",
    openapi_extra=body_doc(CheckOutIn, {"version": 1}),
)
@api_requires(CHECK_IN_GUESTS)
def check_out(request, guest_stay_id: int = STAY_PATH):
    stay = get_for_user(queryset(), request.auth, pk=guest_stay_id)
    payload = read_body(request, CheckOutIn)
    return _run(request, services.check_out, stay, payload.version, at=payload.at)


@router.patch(
    "/guests/{int:guest_stay_id}",
    operation_id="vigil_api_lodging_guest_change",
    response={200: GuestStayOut, **ERRORS},
    summary="Correct a stay (room, planned check-out, check-out time)",
    url_name="lodging_guest_change",
    openapi_extra=body_doc(ChangeIn, {"version": 1, "room": "305"}),
)
@api_requires(CHECK_IN_GUESTS)
def guest_change(request, guest_stay_id: int = STAY_PATH):
    stay = get_for_user(queryset(), request.auth, pk=guest_stay_id)
    payload = read_body(request, ChangeIn)
    return _run(
        request,
        services.update_stay,
        stay,
        payload.version,
        room=payload.room,
        planned_check_out=payload.planned_check_out,
        check_out=payload.check_out,
    )
