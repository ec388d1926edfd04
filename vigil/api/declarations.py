"""Arrival declarations through the API (R-D2 app channel, R-D3, R-D4, R-N5).

Two audiences share the prefix /api/v1/declarations:

- citizens (the mobile app) prove a phone with an SMS code, then declare for
  themselves or on behalf of someone, list, read and update what that phone
  declared, and fetch the QR image. They send a citizen token (`CitizenAuth`),
  never a staff token;
- staff (the API's default auth: personal token or browser session) scan a QR,
  enter a declaration from a walk-in, a paper form or a checkpoint, and read one
  declaration inside their jurisdiction.

Bodies carry codes (country ISO code, administrative unit codes), not database
ids. They are translated into the web form's values and validated by
`DeclarationForm`, so that the app refuses exactly what the web refuses, with
the same messages (Vietnamese unless the `django_language` cookie says "en").
"""

import datetime
import hashlib
import re

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import Body, Field, Header, Path, Router, Schema, Status
from pydantic import create_model

from vigil.accounts.forms import PhoneField
from vigil.api.citizen_auth import CitizenAuth, issue_token, lifetime_seconds
from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import Action, client_ip, log
from vigil.core.masking import mask_phone
from vigil.core.modules import STAFF
from vigil.core.scope import get_for_user, in_scope
from vigil.declarations import otp, questions, services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import (
    STAFF_CHANNELS,
    Channel,
    Declaration,
    RegistrationKind,
    Transport,
)
from vigil.declarations.permissions import ENTRY_TASKS
from vigil.declarations.sms import SmsError
from vigil.people.models import Gender, IdKind
from vigil.people.permissions import may_see_identity

# Staff operations take the API's default auth (token or session); citizen
# operations take the citizen token only; the two OTP steps take none. The
# citizens' POST sits on the parent router (with the citizen auth on the
# operation) so that its URL is /declarations, not /declarations/.
router = Router(tags=["declarations: staff"])
citizen_auth = CitizenAuth()
CITIZEN_TAGS = ["declarations: citizens"]
citizen_router = Router(auth=citizen_auth)
otp_router = Router(auth=None)

MINE_LIMIT = 100
IDEMPOTENCY_KEY_MAX = 200
LIMIT_CODES = ("too_many_phone", "too_many_address")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _error(request, status, code, message, fields=None):
    # Imported here: vigil.api.api imports this module while it is being built.
    from vigil.api.api import error

    return error(request, status, code, message, fields)


def _invalid(request, fields):
    return _error(request, 422, "invalid", _("Some fields are not valid."), fields)


def _require(user, tasks):
    if not user.has_task(*tasks):
        raise PermissionDenied


def _source(label):
    """A lazy label's English source text, for the OpenAPI document."""
    with translation.override(None):
        return str(label)


def _enum(choices):
    """The allowed values, for the document only: the form checks them (null = not sent)."""
    return {"enum": [value for value, _label in choices] + [None]}


def _scoped_key(owner, key):
    """The stored idempotency key: the client's key hashed with who sent it.

    Keys are unique across every channel; without the owner, a citizen who
    guessed or reused another caller's key would be handed that caller's
    declaration. The hash also fits any client key into the 64-char column.
    """
    if not key:
        return None
    return hashlib.sha256(f"api:{owner}:{key}".encode()).hexdigest()


# Schemas ------------------------------------------------------------------


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


class ErrorOut(Schema):
    error: ErrorBody


AnswersIn = create_model(
    "AnswersIn",
    __base__=Schema,
    __doc__="The yes/no questions; every one must be answered (true or false).",
    **{key: (bool | None, Field(None, description=_source(label))) for key, label in questions.ALL},
)
AnswersOut = create_model(
    "AnswersOut",
    __base__=Schema,
    **{key: (bool, Field(..., description=_source(label))) for key, label in questions.ALL},
)


class DeclarationFields(Schema):
    """The fields of the web form (R-D1), with codes instead of ids.

    Required fields and formats are checked by the declaration form so that the
    messages are the web's, in the user's language; the descriptions say what it
    requires.
    """

    full_name: str | None = Field(None, description="Required.")
    id_kind: str | None = Field("cccd", json_schema_extra=_enum(IdKind.choices))
    id_number: str | None = Field(
        None, description="CMND 9 digits, CCCD 12 digits; required unless id_kind is 'other'."
    )
    phone: str | None = Field(
        None,
        description=(
            "The declared person's phone. For citizens it defaults to the verified "
            "phone (on update, to the phone already on the declaration)."
        ),
    )
    birth_year: int | None = Field(None, description="Required.")
    gender: str | None = Field(None, json_schema_extra=_enum(Gender.choices))
    occupation: str | None = ""
    registration_kind: str | None = Field(
        None, json_schema_extra=_enum(RegistrationKind.choices), description="Required."
    )
    student_code: str | None = Field("", description="Required for a student.")
    school: str | None = Field("", description="Required for a student.")
    departure_country: str | None = Field(
        "VN", description="ISO 3166-1 alpha-2 code (GET /api/v1/areas/countries)."
    )
    departure_unit_code: str | None = Field(
        None,
        description=(
            "Code of the departure province, district or commune (GET /api/v1/areas/units); "
            "at least a province when departing from Vietnam."
        ),
    )
    departure_place: str | None = Field("", description="City or place abroad.")
    area_code: str | None = Field(
        None, description="Code of the destination commune in the province. Required."
    )
    village_code: str | None = Field(
        None, description="Code of a village / residential group of that commune."
    )
    address: str | None = Field(None, description="Street address. Required.")
    transport: str | None = Field(None, json_schema_extra=_enum(Transport.choices))
    transport_number: str | None = Field(
        "", description="Plate or flight number; required for plane, train and coach."
    )
    arrival_date: str | None = Field(
        None,
        description="YYYY-MM-DD, not in the future. Required.",
        json_schema_extra={"format": "date"},
    )
    visited_areas: str | None = Field(
        "", description="Countries / areas visited in the last 21 days; empty if none."
    )
    answers: AnswersIn = Field(default_factory=AnswersIn)


class CitizenDeclarationIn(DeclarationFields):
    is_proxy: bool = Field(False, description="Declared on behalf of someone else.")
    proxy_relation: str | None = Field(
        "", description="How the declarer is related to that person; required with is_proxy."
    )


class DeclarationUpdateIn(DeclarationFields):
    # Optional here so that a code of another phone answers 404 whatever the body.
    version: int | None = Field(
        None, description="The `version` of the declaration as it was read. Required."
    )
    proxy_relation: str | None = Field("", description="Required on a proxy declaration.")


class StaffDeclarationIn(CitizenDeclarationIn):
    channel: str | None = Field(None, json_schema_extra=_enum([(c, c) for c in STAFF_CHANNELS]))
    paper_form_number: str | None = Field("", description="Required for channel 'paper'.")
    paper_form_date: str | None = Field(
        None,
        description="YYYY-MM-DD; required for channel 'paper'.",
        json_schema_extra={"format": "date"},
    )
    checkpoint: str | None = Field("", description="Required for channel 'checkpoint'.")


class DeclarationOut(Schema):
    code: str = Field(..., description="Short code, also inside the QR.")
    qr_payload: str = Field(..., description="The signed text of the QR code.")
    full_name: str
    id_kind: str
    id_number: str
    phone: str
    birth_year: int | None
    gender: str
    occupation: str
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
    village_name: str | None
    address: str
    transport: str
    transport_number: str
    arrival_date: datetime.date
    visited_areas: str
    answers: AnswersOut
    channel: str
    is_proxy: bool
    proxy_relation: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int


class CitizenDeclarationOut(DeclarationOut):
    qr_png_url: str
    qr_svg_url: str


class StaffDeclarationOut(DeclarationOut):
    id: int
    identity_conflict: bool = Field(..., description="The ID number is known under another name.")
    submitter_phone: str
    paper_form_number: str
    paper_form_date: datetime.date | None
    checkpoint: str


class DeclarationSummaryOut(Schema):
    code: str
    full_name: str
    area_name: str
    arrival_date: datetime.date
    channel: str
    is_proxy: bool
    created_at: datetime.datetime
    version: int


class OtpRequestIn(Schema):
    phone: str


class OtpRequestOut(Schema):
    phone: str = Field(..., description="The phone in normal form, where the code was sent.")
    expires_in: int = Field(..., description="Seconds the code stays valid.")


class OtpVerifyIn(Schema):
    phone: str
    code: str


class CitizenTokenOut(Schema):
    token: str = Field(..., description="Send as `Authorization: Bearer <token>`.")
    expires_in: int = Field(..., description="Seconds the token stays valid.")
    phone: str


class ScanIn(Schema):
    payload: str = Field(..., description="The text read from the QR code.")


EXAMPLE_ANSWERS = {key: key == "sym_cough" for key in questions.KEYS}
EXAMPLE_DECLARATION = {
    "full_name": "Nguyễn Văn An",
    "id_kind": "cccd",
    "id_number": "046090001234",
    "phone": "0905123456",
    "birth_year": 1990,
    "gender": "male",
    "occupation": "Kỹ sư",
    "registration_kind": "return_home",
    "departure_country": "VN",
    "departure_unit_code": "00001",
    "area_code": "19789",
    "village_code": None,
    "address": "12 Nguyễn Huệ",
    "transport": "plane",
    "transport_number": "VN1545",
    "arrival_date": "2021-08-20",
    "visited_areas": "",
    "answers": EXAMPLE_ANSWERS,
}
EXAMPLE_CITIZEN = {**EXAMPLE_DECLARATION, "is_proxy": False, "proxy_relation": ""}
EXAMPLE_PROXY = {
    **EXAMPLE_DECLARATION,
    "full_name": "Nguyễn Thị Bình",
    "id_kind": "birth_cert",
    "id_number": "123/2015",
    "birth_year": 2015,
    "gender": "female",
    "is_proxy": True,
    "proxy_relation": "Cha",
}
EXAMPLE_STAFF = {
    **EXAMPLE_CITIZEN,
    "channel": "paper",
    "paper_form_number": "PN-0042",
    "paper_form_date": "2021-08-21",
}
EXAMPLE_OUT = {
    "code": "7KX3M9QA",
    "qr_payload": "VGL1:7KX3M9QA:3kq0bW1xYyZ9mP4tQeVw2sR8uAo",
    **{k: v for k, v in EXAMPLE_DECLARATION.items() if not k.endswith("_code")},
    "student_code": "",
    "school": "",
    "departure_unit_code": "00001",
    "departure_unit_name": "Phường Phúc Xá",
    "departure_place": "",
    "area_code": "19789",
    "area_name": "Phường Phú Nhuận",
    "village_code": None,
    "village_name": None,
    "channel": "app",
    "is_proxy": False,
    "proxy_relation": "",
    "created_at": "2021-08-20T08:15:00+07:00",
    "updated_at": "2021-08-20T08:15:00+07:00",
    "version": 1,
}


EXAMPLE_STAFF_OUT = {
    **EXAMPLE_OUT,
    "id": 42,
    "identity_conflict": False,
    "submitter_phone": "0905123456",
    "paper_form_number": "",
    "paper_form_date": None,
    "checkpoint": "",
}


def _body_example(example):
    return {"requestBody": {"content": {"application/json": {"example": example}}}}


def _response_example(example, status=200):
    return {"responses": {status: {"content": {"application/json": {"example": example}}}}}


def _image_response(media_type):
    return {
        "responses": {
            200: {
                "description": "The QR code of the declaration.",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


OPTIONAL_BODY = Body(None)
CODE_PATH = Path(..., description="The declaration's short code.", example="7KX3M9QA")
IDEMPOTENCY_HEADER = Header(
    None,
    alias="Idempotency-Key",
    max_length=IDEMPOTENCY_KEY_MAX,
    description=(
        "A fresh random value (a UUID) per declaration. Sending the same key again "
        "(a retry after a timeout) returns the first declaration with 200 instead of "
        "creating a second one."
    ),
    example="5f0c7f1e-2a4b-4c55-9e0e-8f1f9d4f2b7a",
)


# Codes to form values -----------------------------------------------------

DIRECT_FIELDS = (
    "full_name", "id_kind", "id_number", "phone", "birth_year", "gender", "occupation",
    "registration_kind", "student_code", "school", "departure_place", "address",
    "transport", "transport_number", "visited_areas",
)  # fmt: skip
# Where the form's field errors go in the API's body.
FORM_TO_API = {
    "area": "area_code",
    "village": "village_code",
    "departure_province": "departure_unit_code",
    "departure_district": "departure_unit_code",
    "departure_commune": "departure_unit_code",
    **{key: f"answers.{key}" for key in questions.KEYS},
}
DEPARTURE_LEVELS = {
    Level.PROVINCE: "departure_province",
    Level.DISTRICT: "departure_district",
    Level.COMMUNE: "departure_commune",
}
UNKNOWN_CODE = forms.ModelChoiceField.default_error_messages["invalid_choice"]
BAD_DATE = forms.DateField.default_error_messages["invalid"]
RELATION = forms.CharField(max_length=100)


def _iso_date(value, name, errors):
    """A date from 'YYYY-MM-DD'; other spellings are an error on `name`."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    errors[name] = [str(BAD_DATE)]
    return None


CODE_FIELDS = (
    ("departure_unit_code", None),
    ("area_code", "area"),
    ("village_code", "village"),
)


def _units(payload, errors):
    """{API field: unit row} for the unit codes sent; unknown codes are errors.

    One query for the three codes and one for the departure unit's ancestors:
    this runs on every declaration.
    """
    codes = {name: (getattr(payload, name) or "").strip() for name, _f in CODE_FIELDS}
    codes = {name: code for name, code in codes.items() if code}
    if not codes:
        return {}
    tree = AdminUnit.objects.active_tree()
    rows = {
        row["code"]: row
        for row in tree.filter(code__in=set(codes.values())).values("pk", "code", "level", "path")
    }
    found = {}
    for name, code in codes.items():
        if code in rows:
            found[name] = rows[code]
        else:
            errors[name] = [str(UNKNOWN_CODE)]
    departure = found.get("departure_unit_code")
    if departure is not None:
        path_codes = departure["path"].strip("/").split("/")
        found["departure_chain"] = list(tree.filter(code__in=path_codes).values("pk", "level"))
    return found


def _form_data(payload, default_phone):
    """(data for DeclarationForm, errors of values that cannot even be translated)."""
    data, errors = {}, {}
    for name in DIRECT_FIELDS:
        value = getattr(payload, name)
        if value is not None:
            data[name] = value
    if not (data.get("phone") or "").strip() and default_phone:
        data["phone"] = default_phone
    if payload.departure_country:
        data["departure_country"] = payload.departure_country.strip().upper()
    arrival = _iso_date(payload.arrival_date, "arrival_date", errors)
    if arrival is not None:
        data["arrival_date"] = arrival
    units = _units(payload, errors)
    for unit in units.get("departure_chain", []):  # the unit and the units above it
        if unit["level"] in DEPARTURE_LEVELS:
            data[DEPARTURE_LEVELS[unit["level"]]] = unit["pk"]
    for name, field in CODE_FIELDS:
        if field and name in units:
            data[field] = units[name]["pk"]
    for key in questions.KEYS:
        answer = getattr(payload.answers, key)
        if answer is not None:
            data[key] = "1" if answer else "0"
    return data, errors


def _validate(payload, default_phone="", proxy=False):
    """(bound and validated DeclarationForm, the API's field errors, proxy relation).

    `proxy`: the declarer's relation to the person is required, as on the web.
    """
    data, errors = _form_data(payload, default_phone)
    form = DeclarationForm(data)
    fields = {}
    if not form.is_valid():
        for name, messages in form.errors.items():
            target = fields.setdefault(FORM_TO_API.get(name, name), [])
            target.extend(m for m in messages if m not in target)
    # "Not one of the available choices" says more than the form's "required".
    fields.update(errors)
    relation = ""
    if proxy:
        try:
            relation = " ".join(RELATION.clean(payload.proxy_relation or "").split())
        except ValidationError as exc:
            fields["proxy_relation"] = exc.messages
    return form, fields, relation


class StaffChannelForm(forms.Form):
    """How a staff-entered declaration reached the staff member (R-D2, R-P3)."""

    channel = forms.ChoiceField(choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    paper_form_number = forms.CharField(max_length=40, required=False)
    paper_form_date = forms.DateField(required=False)
    checkpoint = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Channel.PAPER:
            if not data.get("paper_form_number"):
                self.add_error("paper_form_number", _("Enter the number of the paper form."))
            if not data.get("paper_form_date") and "paper_form_date" not in self.errors:
                self.add_error("paper_form_date", _("Enter the date of the paper form."))
        day = data.get("paper_form_date")
        if day and day > timezone.localdate():
            self.add_error("paper_form_date", _("The date cannot be in the future."))
        if channel == Channel.CHECKPOINT and not data.get("checkpoint"):
            self.add_error("checkpoint", _("Enter the checkpoint."))
        return data

    def declaration_data(self):
        """Only the fields of the chosen channel: a paper number on a walk-in is noise."""
        data, channel = self.cleaned_data, self.cleaned_data["channel"]
        return {
            "paper_form_number": data["paper_form_number"] if channel == Channel.PAPER else "",
            "paper_form_date": data["paper_form_date"] if channel == Channel.PAPER else None,
            "checkpoint": data["checkpoint"] if channel == Channel.CHECKPOINT else "",
        }


# Output -------------------------------------------------------------------


def _queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit"
    )


OUT_FIELDS = (
    "registration_kind", "student_code", "school", "departure_place", "address", "transport",
    "transport_number", "arrival_date", "visited_areas", "channel", "is_proxy",
    "proxy_relation", "created_at", "updated_at", "version",
)  # fmt: skip


def _out(declaration, whole=True):
    person = declaration.person
    departure, village = declaration.departure_unit, declaration.village
    return {
        "code": declaration.code,
        "qr_payload": services.qr_payload(declaration),
        "full_name": person.full_name,
        "id_kind": person.id_kind,
        "id_number": person.id_number if whole else person.masked_id_number,
        "phone": person.phone if whole else person.masked_phone,
        "birth_year": person.birth_year,
        "gender": person.gender,
        "occupation": person.occupation,
        **{name: getattr(declaration, name) for name in OUT_FIELDS},
        "departure_country": declaration.departure_country_id,
        "departure_unit_code": departure.code if departure else None,
        "departure_unit_name": departure.name if departure else None,
        "area_code": declaration.area.code,
        "area_name": declaration.area.name,
        "village_code": village.code if village else None,
        "village_name": village.name if village else None,
        "answers": {key: getattr(declaration, key) for key in questions.KEYS},
    }


def _citizen_out(declaration):
    kwargs = {"code": declaration.code}
    return {
        **_out(declaration),
        "qr_png_url": reverse("api:declaration_qr_png", kwargs=kwargs),
        "qr_svg_url": reverse("api:declaration_qr_svg", kwargs=kwargs),
    }


def _staff_out(declaration, whole):
    return {
        **_out(declaration, whole),
        "id": declaration.pk,
        "identity_conflict": declaration.identity_conflict,
        "submitter_phone": (
            declaration.submitter_phone
            if whole or not declaration.submitter_phone
            else mask_phone(declaration.submitter_phone)
        ),
        "paper_form_number": declaration.paper_form_number,
        "paper_form_date": declaration.paper_form_date,
        "checkpoint": declaration.checkpoint,
    }


# Citizens: one-time code --------------------------------------------------


@otp_router.post(
    "/otp/request",
    response={202: OtpRequestOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Send a one-time code by SMS",
    description=(
        "First step of a citizen's sign-in (R-D3): a 6-digit code is sent to the phone "
        "and stays valid a few minutes. Codes are limited per phone and per network "
        "address per hour (429 when a limit is reached). No authentication."
    ),
    url_name="declaration_otp_request",
    openapi_extra=_body_example({"phone": "0905 123 456"}),
)
def otp_request(request, payload: OtpRequestIn):
    try:
        phone = PhoneField().clean(payload.phone)
    except ValidationError as exc:
        return _invalid(request, {"phone": exc.messages})
    try:
        otp.request_code(phone, client_ip(request))
    except otp.OtpError as exc:
        status = 429 if exc.code in LIMIT_CODES else 422
        return _error(request, status, exc.code, exc.message)
    except SmsError:
        return _error(
            request,
            503,
            "sms_unavailable",
            _("The text message could not be sent. Try again in a few minutes."),
        )
    return Status(202, {"phone": phone, "expires_in": settings.VIGIL_OTP_TTL_SECONDS})


@otp_router.post(
    "/otp/verify",
    response={200: CitizenTokenOut, 422: ErrorOut},
    summary="Exchange the SMS code for a citizen token",
    description=(
        "Second step of a citizen's sign-in: the right code returns a bearer token for "
        "the citizen endpoints below, valid `expires_in` seconds. Too many wrong codes "
        "burn the code (error code `burnt`); then request a new one. A citizen token is not "
        "a staff token: staff endpoints refuse it, and citizen endpoints refuse staff tokens."
    ),
    url_name="declaration_otp_verify",
    openapi_extra={
        **_body_example({"phone": "0905123456", "code": "482913"}),
        **_response_example(
            {"token": "0905123456:1qTz8c:Hk3…", "expires_in": 7200, "phone": "0905123456"}
        ),
    },
)
def otp_verify(request, payload: OtpVerifyIn):
    try:
        phone = PhoneField().clean(payload.phone)
    except ValidationError as exc:
        return _invalid(request, {"phone": exc.messages})
    try:
        otp.verify_code(phone, payload.code)
    except otp.OtpError as exc:
        return _error(request, 422, exc.code, exc.message, {"code": [exc.message]})
    return {"token": issue_token(phone), "expires_in": lifetime_seconds(), "phone": phone}


# Citizens: declarations ---------------------------------------------------


def _mine(request, code):
    """A declaration this phone made (or that names this phone), else 404."""
    declaration = (
        _queryset().from_phone(request.auth).filter(code=code.strip().upper()[:16]).first()
    )
    if declaration is None:
        raise Http404
    return declaration


@router.post(
    "",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: CitizenDeclarationOut, 201: CitizenDeclarationOut, 401: ErrorOut, 422: ErrorOut},
    summary="Declare an arrival (for oneself or on behalf of someone)",
    description=(
        "The mobile app's declaration (channel `app`). The body has the web form's fields "
        "with codes: `departure_country` (ISO code), `departure_unit_code`, `area_code` "
        "(destination commune), `village_code` (GET /api/v1/areas/units), dates as "
        "YYYY-MM-DD and every question of `answers` as true or false. It is validated "
        "with the same rules and messages as the web form; errors answer 422 with the "
        "messages per field. With `is_proxy` the verified phone declares for someone "
        "else (give `proxy_relation`); the declarer's phone is kept on the declaration. "
        "201 with the declaration and its QR; 200 with the same declaration when the "
        "`Idempotency-Key` was already used by this phone."
    ),
    url_name="declaration_create",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": EXAMPLE_CITIZEN,
                    "examples": {
                        "self": {"summary": "For oneself", "value": EXAMPLE_CITIZEN},
                        "proxy": {"summary": "On behalf of a child", "value": EXAMPLE_PROXY},
                    },
                }
            }
        },
        **_response_example(EXAMPLE_OUT, 201),
    },
)
def create(request, payload: CitizenDeclarationIn, idempotency_key: str = IDEMPOTENCY_HEADER):
    phone = request.auth
    form, fields, relation = _validate(payload, default_phone=phone, proxy=payload.is_proxy)
    if fields:
        return _invalid(request, fields)
    data = {**form.declaration_data(), "proxy_relation": relation}
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=Channel.APP,
        submitter_phone=phone,
        is_proxy=payload.is_proxy,
        idempotency_key=_scoped_key(f"citizen:{phone}", idempotency_key),
        request=request,
    )
    # A new declaration already holds its person and units; an earlier one
    # (idempotent replay) is read again with them.
    declaration = submission.declaration
    if not submission.created:
        declaration = _queryset().get(pk=declaration.pk)
    return Status(201 if submission.created else 200, _citizen_out(declaration))


@citizen_router.get(
    "/mine",
    response={200: list[DeclarationSummaryOut], 401: ErrorOut},
    summary="The declarations of the verified phone",
    description=(
        f"Declarations this phone made, for itself or on behalf of others, and those "
        f"that name it as the person's phone; newest first, at most {MINE_LIMIT}."
    ),
    url_name="declaration_mine",
    openapi_extra=_response_example(
        [
            {
                "code": "7KX3M9QA",
                "full_name": "Nguyễn Văn An",
                "area_name": "Phường Phú Nhuận",
                "arrival_date": "2021-08-20",
                "channel": "app",
                "is_proxy": False,
                "created_at": "2021-08-20T08:15:00+07:00",
                "version": 1,
            }
        ]
    ),
)
def mine(request):
    declarations = _queryset().from_phone(request.auth)[:MINE_LIMIT]
    return [
        {
            "code": d.code,
            "full_name": d.person.full_name,
            "area_name": d.area.name,
            "arrival_date": d.arrival_date,
            "channel": d.channel,
            "is_proxy": d.is_proxy,
            "created_at": d.created_at,
            "version": d.version,
        }
        for d in declarations
    ]


@citizen_router.get(
    "/mine/{code}",
    response={200: CitizenDeclarationOut, 401: ErrorOut, 404: ErrorOut},
    summary="One declaration of the verified phone",
    description="404 for a code this phone did not declare, as for a code that does not exist.",
    url_name="declaration_mine_detail",
    openapi_extra=_response_example(EXAMPLE_OUT),
)
def mine_detail(request, code: str = CODE_PATH):
    return _citizen_out(_mine(request, code))


@citizen_router.put(
    "/mine/{code}",
    response={
        200: CitizenDeclarationOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Correct one declaration of the verified phone",
    description=(
        "Replaces the declaration's fields (same body and rules as when declaring) and "
        "answers the new version. Send the `version` that was read: when the declaration "
        "changed since (staff corrected it, another device saved it), nothing is saved "
        "and the answer is 409 with error code `stale`; read it again and resend."
    ),
    openapi_extra={
        **_body_example({**EXAMPLE_DECLARATION, "address": "14 Nguyễn Huệ", "version": 1}),
        **_response_example({**EXAMPLE_OUT, "address": "14 Nguyễn Huệ", "version": 2}),
    },
)
def mine_update(request, code: str = CODE_PATH, payload: DeclarationUpdateIn = OPTIONAL_BODY):
    # The body is optional to the parser so that another phone's code answers 404
    # before anything about the body: what exists is told to its owner only.
    declaration = _mine(request, code)
    payload = payload or DeclarationUpdateIn()
    form, fields, relation = _validate(
        payload, default_phone=declaration.person.phone, proxy=declaration.is_proxy
    )
    if payload.version is None:
        fields["version"] = [str(forms.Field.default_error_messages["required"])]
    if fields:
        return _invalid(request, fields)
    data = {**form.declaration_data(), "proxy_relation": relation}
    try:
        services.update_declaration(
            declaration, form.identity(), data, version=payload.version, request=request
        )
    except services.StaleDeclaration:
        message = _(
            "This declaration was changed after you opened it. Load it again, then "
            "make your changes again."
        )
        return _error(request, 409, "stale", message, {"version": [message]})
    return _citizen_out(_queryset().get(pk=declaration.pk))


def _qr_response(request, code, kind):
    declaration = _mine(request, code)
    payload = services.qr_payload(declaration)
    if kind == "png":
        response = HttpResponse(services.qr_png(payload), content_type="image/png")
    else:
        response = HttpResponse(services.qr_svg(payload), content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@citizen_router.get(
    "/mine/{code}/qr.png",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="The declaration's QR code as a PNG image",
    description="Show it at a checkpoint or to the community team, or save it (R-D4).",
    url_name="declaration_qr_png",
    openapi_extra=_image_response("image/png"),
)
def qr_png(request, code: str = CODE_PATH):
    return _qr_response(request, code, "png")


@citizen_router.get(
    "/mine/{code}/qr.svg",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="The declaration's QR code as an SVG image",
    description="The same QR as the PNG, as a vector image for printing.",
    url_name="declaration_qr_svg",
    openapi_extra=_image_response("image/svg+xml"),
)
def qr_svg(request, code: str = CODE_PATH):
    return _qr_response(request, code, "svg")


# Staff --------------------------------------------------------------------


@router.post(
    "/scan",
    response={200: StaffDeclarationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Read a declaration's QR code",
    description=(
        "Staff scanner (R-D4). A signed Vigil QR of a declaration inside the caller's "
        "jurisdiction answers the declaration; a valid QR of a declaration outside it "
        "answers 404, like an unknown one; a forged, altered or foreign text answers 422 "
        "with error code `invalid_code`. Every scan is logged."
    ),
    url_name="declaration_scan",
    openapi_extra={
        **_body_example({"payload": "VGL1:7KX3M9QA:3kq0bW1xYyZ9mP4tQeVw2sR8uAo"}),
        **_response_example(EXAMPLE_STAFF_OUT),
    },
)
def scan(request, payload: ScanIn):
    user = request.auth
    _require(user, STAFF)
    try:
        code = services.code_from_payload(payload.payload)
    except services.InvalidCode:
        log(
            request,
            Action.VIEW,
            None,
            detail={"scan": "invalid", "via": "api"},
            object_repr="QR scan",
        )
        return _error(request, 422, "invalid_code", services.InvalidCode.message)
    declaration = _queryset().visible_to(user).filter(code=code).first()
    if declaration is None:
        outcome = "out_of_scope" if Declaration.objects.filter(code=code).exists() else "unknown"
        log(
            request,
            Action.VIEW,
            None,
            detail={"scan": outcome, "code": code, "via": "api"},
            object_repr="QR scan",
        )
        raise Http404
    whole = may_see_identity(user)
    log(
        request,
        Action.VIEW,
        declaration,
        detail={"scan": "ok", "identity_shown": whole, "via": "api"},
    )
    return _staff_out(declaration, whole)


@router.post(
    "/staff",
    response={
        200: StaffDeclarationOut,
        201: StaffDeclarationOut,
        401: ErrorOut,
        403: ErrorOut,
        422: ErrorOut,
    },
    summary="Enter a declaration at a health station, from paper or at a checkpoint",
    description=(
        "Staff entry (R-D2): the citizens' body plus `channel` (`walk_in`, `paper` with "
        "`paper_form_number` and `paper_form_date`, or `checkpoint` with `checkpoint`). "
        "Same rules as the web form; the destination commune must be inside the caller's "
        "jurisdiction (422 on `area_code` otherwise). Needs a task group that enters "
        "declarations (403 otherwise). 201 with the declaration; 200 with the same one when "
        "this account already used the `Idempotency-Key`."
    ),
    url_name="declaration_staff_create",
    openapi_extra={
        **_body_example(EXAMPLE_STAFF),
        **_response_example(
            {
                **EXAMPLE_STAFF_OUT,
                "channel": "paper",
                "submitter_phone": "",
                "paper_form_number": "PN-0042",
                "paper_form_date": "2021-08-21",
            },
            201,
        ),
    },
)
def staff_create(request, payload: StaffDeclarationIn, idempotency_key: str = IDEMPOTENCY_HEADER):
    user = request.auth
    _require(user, ENTRY_TASKS)
    form, fields, relation = _validate(payload, proxy=payload.is_proxy)
    errors = {}
    paper_date = _iso_date(payload.paper_form_date, "paper_form_date", errors)
    channel_form = StaffChannelForm(
        {
            "channel": payload.channel or "",
            "paper_form_number": payload.paper_form_number or "",
            "paper_form_date": paper_date or "",
            "checkpoint": payload.checkpoint or "",
        }
    )
    if not channel_form.is_valid():
        for name, messages in channel_form.errors.items():
            fields.setdefault(name, []).extend(messages)
    fields.update(errors)
    area = form.cleaned_data.get("area")
    if area is not None and not in_scope(user, area.path):
        fields.setdefault("area_code", []).append(_("This commune is outside your jurisdiction."))
    if fields:
        return _invalid(request, fields)
    data = {**form.declaration_data(), **channel_form.declaration_data()}
    data["proxy_relation"] = relation
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=channel_form.cleaned_data["channel"],
        actor=user,
        is_proxy=payload.is_proxy,
        idempotency_key=_scoped_key(f"staff:{user.pk}", idempotency_key),
        request=request,
    )
    declaration = get_for_user(_queryset(), user, pk=submission.declaration.pk)
    return Status(
        201 if submission.created else 200, _staff_out(declaration, may_see_identity(user))
    )


@router.get(
    "/{int:declaration_id}",
    response={200: StaffDeclarationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="One declaration (logged in the audit trail)",
    description=(
        "A declaration inside the caller's jurisdiction; 404 outside it. The ID number "
        "and phones are whole for task groups that need them, masked otherwise."
    ),
    url_name="declaration_detail",
    openapi_extra=_response_example(EXAMPLE_STAFF_OUT),
)
def detail(request, declaration_id: int = Path(..., example=42)):
    user = request.auth
    _require(user, STAFF)
    declaration = get_for_user(_queryset(), user, pk=declaration_id)
    whole = may_see_identity(user)
    log(request, Action.VIEW, declaration, detail={"identity_shown": whole, "via": "api"})
    return _staff_out(declaration, whole)


# The OTP steps and the citizens' operations hang under the same prefix.
router.add_router("", otp_router, tags=CITIZEN_TAGS)
router.add_router("", citizen_router, tags=CITIZEN_TAGS)
