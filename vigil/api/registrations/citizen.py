"""Citizens' registrations to return (R-V6): register a planned return, read
the phone's registrations and their decisions, and declare the arrival from an
approved one. A registration belongs to the phone that submitted it: any
other phone gets 404."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Status

from vigil.api.citizen_auth import CitizenAuth
from vigil.api.common import (
    OPTIONAL_BODY,
    ErrorOut,
    body_example,
    error,
    invalid,
    response_example,
    service_fields,
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
from vigil.api.declarations.translate import FORM_TO_API, scoped_key
from vigil.api.declarations.translate import validate as validate_declaration
from vigil.api.registrations import router
from vigil.api.registrations.schemas import (
    CITIZEN_TAGS,
    DIRECT_FIELDS,
    EXAMPLE_IN,
    EXAMPLE_OUT,
    REGISTRATION_CODE,
    RegistrationIn,
    RegistrationOut,
    queryset,
    registration_out,
    validate,
)
from vigil.core.permissions import citizen
from vigil.declarations import services as declaration_services
from vigil.declarations.models import Channel
from vigil.declarations.transitions import TransitionRefused
from vigil.verification import registrations
from vigil.verification.forms import declaration_initial
from vigil.verification.models import RegistrationChannel, RegistrationState

citizen_auth = CitizenAuth()
MINE_LIMIT = 100

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
    registration = queryset().from_phone(request.auth).filter(code=code).first()
    if registration is None:
        raise Http404
    return registration


@router.post(
    "",
    operation_id="vigil_api_registrations_create",
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
@citizen
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
    return Status(201 if created else 200, registration_out(queryset().get(pk=registration.pk)))


@router.get(
    "/mine",
    operation_id="vigil_api_registrations_mine",
    auth=citizen_auth,
    tags=CITIZEN_TAGS,
    response={200: list[RegistrationOut], 401: ErrorOut},
    summary="The registrations of the verified phone, with their decisions",
    description=f"Newest first, at most {MINE_LIMIT}.",
    url_name="registration_mine",
    openapi_extra=response_example([EXAMPLE_OUT]),
)
@citizen
def mine(request):
    rows = queryset().from_phone(request.auth).order_by("-created_at", "-id")[:MINE_LIMIT]
    return [registration_out(r) for r in rows]


@router.get(
    "/mine/{registration_code}",
    operation_id="vigil_api_registrations_mine_detail",
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
@citizen
def mine_detail(request, registration_code: str = REGISTRATION_CODE):
    return registration_out(_mine(request, registration_code))


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
    operation_id="vigil_api_registrations_declaration_draft",
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
@citizen
def declaration_draft(request, registration_code: str = REGISTRATION_CODE):
    registration = _mine(request, registration_code)
    refused = _approved(request, registration)
    if refused is not None:
        return refused
    return _draft(registration)


@router.post(
    "/mine/{registration_code}/declaration",
    operation_id="vigil_api_registrations_declare",
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
@citizen
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
