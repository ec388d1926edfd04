"""The citizens' side of the declarations API (R-D2 app channel, R-D3, R-D4).

A citizen proves a phone with a one-time SMS code (no authentication), then
sends the citizen token it got (`CitizenAuth`), never a staff token, to declare
for themselves or on behalf of someone, to list, read and correct what that
phone declared, and to fetch the QR image.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from vigil.api.citizen_auth import CitizenAuth, issue_token, lifetime_seconds
from vigil.api.common import (
    OPTIONAL_BODY,
    ErrorOut,
    body_example,
    error,
    invalid,
    required_error,
    response_example,
    stale,
)
from vigil.api.declarations import router
from vigil.api.declarations.output import citizen_out, queryset
from vigil.api.declarations.schemas import (
    CODE_PATH,
    EXAMPLE_CITIZEN,
    EXAMPLE_DECLARATION,
    EXAMPLE_OUT,
    EXAMPLE_PROXY,
    IDEMPOTENCY_HEADER,
    CitizenDeclarationIn,
    CitizenDeclarationOut,
    CitizenTokenOut,
    DeclarationSummaryOut,
    DeclarationUpdateIn,
    OtpRequestIn,
    OtpRequestOut,
    OtpVerifyIn,
    image_response,
)
from vigil.api.declarations.translate import scoped_key, validate
from vigil.audit.services import client_ip
from vigil.core.permissions import citizen, public
from vigil.core.phones import PhoneField
from vigil.declarations import otp, services
from vigil.declarations.models import Channel
from vigil.declarations.sms import SmsError
from vigil.declarations.transitions import amend

# The citizens' operations take the citizen token only; the two OTP steps take
# none. The citizens' POST sits on the parent router (with the citizen auth on
# the operation) so that its URL is /declarations, not /declarations/.
citizen_auth = CitizenAuth()
CITIZEN_TAGS = ["declarations: citizens"]
citizen_router = Router(auth=citizen_auth)
otp_router = Router(auth=None)

MINE_LIMIT = 100
LIMIT_CODES = ("too_many_phone", "too_many_address")


# One-time code ------------------------------------------------------------


@otp_router.post(
    "/otp/request",
    operation_id="vigil_api_declarations_otp_request",
    response={202: OtpRequestOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    summary="Send a one-time code by SMS",
    description=(
        "First step of a citizen's sign-in (R-D3): a 6-digit code is sent to the phone "
        "and stays valid a few minutes. Codes are limited per phone and per network "
        "address per hour (429 when a limit is reached). No authentication."
    ),
    url_name="declaration_otp_request",
    openapi_extra=body_example({"phone": "0905 123 456"}),
)
@public
def otp_request(request, payload: OtpRequestIn):
    try:
        phone = PhoneField().clean(payload.phone)
    except ValidationError as exc:
        return invalid(request, {"phone": exc.messages})
    try:
        otp.request_code(phone, client_ip(request))
    except otp.OtpError as exc:
        status = 429 if exc.code in LIMIT_CODES else 422
        return error(request, status, exc.code, exc.message)
    except SmsError:
        return error(
            request,
            503,
            "sms_unavailable",
            _("The text message could not be sent. Try again in a few minutes."),
        )
    return Status(202, {"phone": phone, "expires_in": settings.VIGIL_OTP_TTL_SECONDS})


@otp_router.post(
    "/otp/verify",
    operation_id="vigil_api_declarations_otp_verify",
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
        **body_example({"phone": "0905123456", "code": "482913"}),
        **response_example(
            {"token": "0905123456:1qTz8c:Hk3…", "expires_in": 7200, "phone": "0905123456"}
        ),
    },
)
@public
def otp_verify(request, payload: OtpVerifyIn):
    try:
        phone = PhoneField().clean(payload.phone)
    except ValidationError as exc:
        return invalid(request, {"phone": exc.messages})
    try:
        otp.verify_code(phone, payload.code)
    except otp.OtpError as exc:
        return error(request, 422, exc.code, exc.message, {"code": [exc.message]})
    return {"token": issue_token(phone), "expires_in": lifetime_seconds(), "phone": phone}


# Declarations -------------------------------------------------------------


def _mine(request, code):
    """A declaration this phone made (or that names this phone), else 404."""
    declaration = queryset().from_phone(request.auth).filter(code=code.strip().upper()[:16]).first()
    if declaration is None:
        raise Http404
    return declaration


@router.post(
    "",
    operation_id="vigil_api_declarations_create",
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
        **response_example(EXAMPLE_OUT, 201),
    },
)
@citizen
def create(request, payload: CitizenDeclarationIn, idempotency_key: str = IDEMPOTENCY_HEADER):
    phone = request.auth
    form, fields, relation = validate(payload, default_phone=phone, proxy=payload.is_proxy)
    if fields:
        return invalid(request, fields)
    data = {**form.declaration_data(), "proxy_relation": relation}
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=Channel.APP,
        submitter_phone=phone,
        is_proxy=payload.is_proxy,
        idempotency_key=scoped_key(f"citizen:{phone}", idempotency_key),
        request=request,
    )
    # A new declaration already holds its person and units; an earlier one
    # (idempotent replay) is read again with them.
    declaration = submission.declaration
    if not submission.created:
        declaration = queryset().get(pk=declaration.pk)
    return answer(request, 201 if submission.created else 200, declaration)


# The fields of the answer to a declaration, in the schema's order.
ANSWER_FIELDS = tuple(CitizenDeclarationOut.model_fields)


def answer(request, status, declaration):
    """The answer to a declaration: `citizen_out` rendered as it is, in the
    schema's fields and order (a field missing from it is a KeyError, as it
    would be a validation error). Django-ninja would validate it against the
    schema first: a twentieth of a declaration's CPU (issue #15) for a dict
    this module builds; tests/api/test_submit_cpu.py checks that both give
    the same answer."""
    from vigil.api.instance import api

    data = citizen_out(declaration)
    return api.create_response(request, {name: data[name] for name in ANSWER_FIELDS}, status=status)


@citizen_router.get(
    "/mine",
    operation_id="vigil_api_declarations_mine",
    response={200: list[DeclarationSummaryOut], 401: ErrorOut},
    summary="The declarations of the verified phone",
    description=(
        f"Declarations this phone made, for itself or on behalf of others, and those "
        f"that name it as the person's phone; newest first, at most {MINE_LIMIT}."
    ),
    url_name="declaration_mine",
    openapi_extra=response_example(
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
@citizen
def mine(request):
    declarations = queryset().from_phone(request.auth)[:MINE_LIMIT]
    return [
        {
            "code": d.code,
            "full_name": d.declared.full_name,
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
    operation_id="vigil_api_declarations_mine_detail",
    response={200: CitizenDeclarationOut, 401: ErrorOut, 404: ErrorOut},
    summary="One declaration of the verified phone",
    description="404 for a code this phone did not declare, as for a code that does not exist.",
    url_name="declaration_mine_detail",
    openapi_extra=response_example(EXAMPLE_OUT),
)
@citizen
def mine_detail(request, code: str = CODE_PATH):
    return citizen_out(_mine(request, code))


@citizen_router.put(
    "/mine/{code}",
    operation_id="vigil_api_declarations_mine_update",
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
        "and the answer is 409 with error code `stale`; read it again and resend. "
        "The identity fields change what this declaration says, never what staff recorded "
        "about a person already known: there, what differs goes to the commune to check. "
        "After staff decided on it, identity changes become a correction request for the "
        "commune, and answers that would lower the risk colour are proposed to CDC "
        "rather than applied; every amendment is in the declaration's history."
    ),
    openapi_extra={
        **body_example({**EXAMPLE_DECLARATION, "address": "14 Nguyễn Huệ", "version": 1}),
        **response_example({**EXAMPLE_OUT, "address": "14 Nguyễn Huệ", "version": 2}),
    },
)
@citizen
def mine_update(request, code: str = CODE_PATH, payload: DeclarationUpdateIn = OPTIONAL_BODY):
    # The body is optional to the parser so that another phone's code answers 404
    # before anything about the body: what exists is told to its owner only.
    declaration = _mine(request, code)
    payload = payload or DeclarationUpdateIn()
    form, fields, relation = validate(
        payload, default_phone=_declared_phone(request, declaration), proxy=declaration.is_proxy
    )
    if payload.version is None:
        fields["version"] = [required_error()]
    if fields:
        return invalid(request, fields)
    data = {**form.declaration_data(), "proxy_relation": relation}
    try:
        amend(
            declaration,
            form.identity(),
            data,
            version=payload.version,
            request=request,
            by_citizen=True,
            correction_note=payload.correction_note or "",
        )
    except services.StaleDeclaration:
        message = _(
            "This declaration was changed after you opened it. Load it again, then "
            "make your changes again."
        )
        return stale(request, message)
    return citizen_out(queryset().get(pk=declaration.pk))


def _declared_phone(request, declaration):
    """The phone declared for the person (the verified one for oneself when a
    declaration recorded before the declared identity holds none)."""
    if declaration.declared.phone or declaration.is_proxy:
        return declaration.declared.phone
    return request.auth


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
    operation_id="vigil_api_declarations_qr_png",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="The declaration's QR code as a PNG image",
    description="Show it at a checkpoint or to the community team, or save it (R-D4).",
    url_name="declaration_qr_png",
    openapi_extra=image_response("image/png"),
)
@citizen
def qr_png(request, code: str = CODE_PATH):
    return _qr_response(request, code, "png")


@citizen_router.get(
    "/mine/{code}/qr.svg",
    operation_id="vigil_api_declarations_qr_svg",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="The declaration's QR code as an SVG image",
    description="The same QR as the PNG, as a vector image for printing.",
    url_name="declaration_qr_svg",
    openapi_extra=image_response("image/svg+xml"),
)
@citizen
def qr_svg(request, code: str = CODE_PATH):
    return _qr_response(request, code, "svg")
