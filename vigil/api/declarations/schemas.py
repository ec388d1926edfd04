"""The bodies of the declarations API, their examples and parameters.

Fields carry codes, not database ids; `vigil.api.declarations.translate` turns
them into the web form's values.
"""

import datetime

from ninja import Field, Header, Path, Schema
from pydantic import create_model

from vigil.api.common import enum, source
from vigil.declarations import questions
from vigil.declarations.models import STAFF_CHANNELS, PaperReason, RegistrationKind, Transport
from vigil.people.models import Gender, IdKind

IDEMPOTENCY_KEY_MAX = 200


AnswersIn = create_model(
    "AnswersIn",
    __base__=Schema,
    __doc__="The yes/no questions; every one must be answered (true or false).",
    **{key: (bool | None, Field(None, description=source(label))) for key, label in questions.ALL},
)
AnswersOut = create_model(
    "AnswersOut",
    __base__=Schema,
    **{key: (bool, Field(..., description=source(label))) for key, label in questions.ALL},
)


class DeclarationFields(Schema):
    """The fields of the web form (R-D1), with codes instead of ids.

    Required fields and formats are checked by the declaration form so that the
    messages are the web's, in the user's language; the descriptions say what it
    requires.
    """

    full_name: str | None = Field(None, description="Required.")
    id_kind: str | None = Field("cccd", json_schema_extra=enum(IdKind.choices, null=True))
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
    gender: str | None = Field(None, json_schema_extra=enum(Gender.choices, null=True))
    occupation: str | None = ""
    registration_kind: str | None = Field(
        None, json_schema_extra=enum(RegistrationKind.choices, null=True), description="Required."
    )
    student_code: str | None = Field("", description="Required for a student.")
    school: str | None = Field("", description="Required for a student.")
    departure_country: str | None = Field(
        "VN", description="ISO 3166-1 alpha-2 code (GET /api/v1/areas/countries)."
    )
    departure_unit_code: str | None = Field(
        None,
        description=(
            "Code of the departure commune (GET /api/v1/areas/units): required when "
            "departing from Vietnam; its district and province follow from it."
        ),
    )
    departure_place: str | None = Field("", description="City or place abroad.")
    area_code: str | None = Field(
        None, description="Code of the destination commune in the province. Required."
    )
    village_code: str | None = Field(
        None,
        description=(
            "Code of a village / residential group of that commune; required when the "
            "commune has villages (GET /api/v1/areas/units?parent=<commune>)."
        ),
    )
    address: str | None = Field(None, description="Street address. Required.")
    transport: str | None = Field(None, json_schema_extra=enum(Transport.choices, null=True))
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
    correction_note: str | None = Field(
        "",
        max_length=500,
        description=(
            "Once staff have verified the declaration, the ID number, name, birth year and "
            "destination commune are no longer changed by the citizen: changed values, and "
            "this note, go to the commune as a correction request instead."
        ),
    )


class StaffDeclarationIn(CitizenDeclarationIn):
    channel: str | None = Field(
        None, json_schema_extra=enum([(c, c) for c in STAFF_CHANNELS], null=True)
    )
    paper_form_number: str | None = Field("", description="Required for channel 'paper'.")
    paper_form_date: str | None = Field(
        None,
        description="YYYY-MM-DD; required for channel 'paper'.",
        json_schema_extra={"format": "date"},
    )
    checkpoint: str | None = Field("", description="Required for channel 'checkpoint'.")


class JourneyOut(Schema):
    """Why and from where to where: what a declaration and a registration to
    return both say."""

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


class DeclarationOut(JourneyOut):
    code: str = Field(..., description="Short code, also inside the QR.")
    qr_payload: str = Field(..., description="The signed text of the QR code.")
    full_name: str
    id_kind: str
    id_number: str
    phone: str
    birth_year: int | None
    gender: str
    occupation: str
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
    amended_after_decision: bool = Field(
        ..., description="Amended by the citizen after staff decided; staff have not reviewed it."
    )
    locked_identity: bool = Field(
        ...,
        description=(
            "Staff have decided on this declaration: the citizen's changes to the ID number, "
            "name, birth year or commune become a correction request."
        ),
    )


class CitizenDeclarationOut(DeclarationOut):
    qr_png_url: str
    qr_svg_url: str


class StaffDeclarationOut(DeclarationOut):
    id: int
    identity_conflict: bool = Field(
        ...,
        description=(
            "The declared identity differs from the person's record (the ID number under "
            "another name, or another phone, birth year, gender or occupation): check it."
        ),
    )
    submitter_phone: str
    paper_form_number: str
    paper_form_date: datetime.date | None
    paper_reason: str = Field(
        ...,
        description="Why paper was used (channel 'paper'); '' when not recorded.",
        json_schema_extra=enum([("", ""), *PaperReason.choices]),
    )
    paper_reason_other: str = Field(..., description="The reason, when `paper_reason` is 'other'.")
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
    "paper_reason": "",
    "paper_reason_other": "",
    "checkpoint": "",
}


def image_response(media_type):
    return {
        "responses": {
            200: {
                "description": "The QR code of the declaration.",
                "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


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
