"""The bodies and answers of the registrations API, and the web form's
validation of a body (`validate`)."""

import datetime

from ninja import Field, Path, Schema

from vigil.api.common import NOTE_MAX, enum, identity
from vigil.api.declarations.schemas import JourneyOut
from vigil.api.declarations.translate import form_fields, form_values
from vigil.core.permissions import APPROVE_REGISTRATION, SEE_IDENTITY, get, may
from vigil.declarations.models import RegistrationKind, Transport
from vigil.people.models import Gender, IdKind
from vigil.verification.forms import RegistrationForm
from vigil.verification.models import Registration, RegistrationState

CITIZEN_TAGS = ["registrations to return: citizens"]
REGISTRATION_ID = Path(..., description="The registration's `id`.", example=7)
REGISTRATION_CODE = Path(..., description="The registration's short code.", example="QH4T7XKM")
ERRORS_TEXT = (
    " Errors: 403 when the caller's task groups do not allow deciding; 404 outside the "
    "caller's jurisdiction; 409 `stale` when the registration changed since `version` was "
    "read (read it again); 409 `already_handled` when it was already decided; 422 `invalid` "
    "with the messages per field. Nothing is changed on an error. Who may decide: "
    + ", ".join(f"`{task}`" for task in get(APPROVE_REGISTRATION).tasks)
    + "."
)


def queryset():
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
    errors = {}
    data = form_values(payload, DIRECT_FIELDS, phone, errors)
    if payload.is_proxy:
        data["proxy_relation"] = payload.proxy_relation or ""
    form = RegistrationForm(data, proxy=payload.is_proxy)
    return form, form_fields(form, errors)


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


class RegistrationOut(JourneyOut):
    code: str
    state: str = Field(..., json_schema_extra=enum(RegistrationState.choices))
    full_name: str
    id_kind: str
    id_number: str = Field(..., description="Masked to staff whose task groups need not see it.")
    phone: str = Field(..., description="Masked like the ID number.")
    birth_year: int
    gender: str
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


def registration_out(r, whole=True):
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


def staff_out(request, r):
    events = r.events.select_related("actor")
    return {
        **registration_out(r, whole=may(request.auth, SEE_IDENTITY)),
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
