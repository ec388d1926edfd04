"""The staff side of the declarations API (R-D2, R-D4, R-N5).

Staff (the API's default auth: personal token or browser session) scan a QR,
enter a declaration from a walk-in, a paper form or a checkpoint, and read one
declaration inside their jurisdiction.

Staff entry refuses a second declaration for a person who already has one
from the last days in the caller's jurisdiction (issue 10, finding 7), as the
entry page does: 409 `duplicate` naming it, unless `confirm_duplicate` is true.
"""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Schema, Status

from vigil.api.common import (
    ErrorBody,
    ErrorOut,
    body_example,
    enum,
    error,
    invalid,
    iso_date,
    response_example,
)
from vigil.api.declarations import router
from vigil.api.declarations.output import queryset, staff_out
from vigil.api.declarations.schemas import (
    EXAMPLE_STAFF,
    EXAMPLE_STAFF_OUT,
    IDEMPOTENCY_HEADER,
    ScanIn,
    StaffDeclarationIn,
    StaffDeclarationOut,
)
from vigil.api.declarations.translate import StaffChannelForm, scoped_key, validate
from vigil.audit.services import Action, log
from vigil.core.permissions import (
    ENTER_DECLARATION,
    READ_DECLARATIONS,
    SCAN_QR,
    SEE_IDENTITY,
    api_requires,
    may,
)
from vigil.core.scope import get_for_user, in_scope
from vigil.declarations import services
from vigil.declarations.forms_paper import PaperReasonForm
from vigil.declarations.models import Channel, Declaration, PaperReason
from vigil.declarations.services import RECENT_DAYS, recent_declarations


@router.post(
    "/scan",
    operation_id="vigil_api_declarations_scan",
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
        **body_example({"payload": "VGL1:7KX3M9QA:3kq0bW1xYyZ9mP4tQeVw2sR8uAo"}),
        **response_example(EXAMPLE_STAFF_OUT),
    },
)
@api_requires(SCAN_QR)
def scan(request, payload: ScanIn):
    user = request.auth
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
        return error(request, 422, "invalid_code", services.InvalidCode.message)
    declaration = queryset().visible_to(user).filter(code=code).first()
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
    whole = may(user, SEE_IDENTITY)
    log(
        request,
        Action.VIEW,
        declaration,
        detail={"scan": "ok", "identity_shown": whole, "via": "api"},
    )
    return staff_out(declaration, whole)


class StaffDeclarationCreateIn(StaffDeclarationIn):
    paper_reason: str | None = Field(
        "",
        description=(
            "Why paper was used (§II.12); required for channel 'paper', ignored otherwise."
        ),
        json_schema_extra=enum([("", ""), *PaperReason.choices]),
    )
    paper_reason_other: str | None = Field(
        "", description="The reason in words; required when `paper_reason` is 'other'."
    )
    confirm_duplicate: bool = Field(
        False,
        description=(
            f"true to create the declaration even though the person already has one "
            f"from the last {RECENT_DAYS} days in the caller's jurisdiction (otherwise 409 "
            "`duplicate`)."
        ),
    )


class RecentDeclarationOut(Schema):
    id: int
    code: str
    channel: str
    area_code: str
    area_name: str
    arrival_date: datetime.date
    created_at: datetime.datetime
    risk_colour: str


class DuplicateBody(ErrorBody):
    existing: list[RecentDeclarationOut] = Field(
        ..., description="The person's recent declarations, newest first."
    )


class DuplicateOut(Schema):
    error: DuplicateBody


EXAMPLE_DUPLICATE = {
    "error": {
        "code": "duplicate",
        "message": "This person already has declaration 7KX3M9QA from the last 14 days.",
        "fields": {"confirm_duplicate": ["Use declaration 7KX3M9QA, or confirm a new one."]},
        "existing": [
            {
                "id": 42,
                "code": "7KX3M9QA",
                "channel": "app",
                "area_code": "19789",
                "area_name": "Phường Phú Nhuận",
                "arrival_date": "2021-08-20",
                "created_at": "2021-08-20T08:15:00+07:00",
                "risk_colour": "yellow",
            }
        ],
    }
}


def duplicate(request, recent):
    """409 `duplicate`: the person's recent declarations instead of a new one."""
    from vigil.api.instance import api

    code = recent[0].code
    body = {
        "error": {
            "code": "duplicate",
            "message": _(
                "This person already has declaration %(code)s from the last %(days)s days."
            )
            % {"code": code, "days": RECENT_DAYS},
            "fields": {
                "confirm_duplicate": [
                    _("Use declaration %(code)s, or confirm a new one.") % {"code": code}
                ]
            },
            "existing": [
                {
                    "id": d.pk,
                    "code": d.code,
                    "channel": d.channel,
                    "area_code": d.area.code,
                    "area_name": d.area.name,
                    "arrival_date": d.arrival_date,
                    "created_at": d.created_at,
                    "risk_colour": d.risk_colour,
                }
                for d in recent
            ],
        }
    }
    return api.create_response(request, body, status=409)


@router.post(
    "/staff",
    operation_id="vigil_api_declarations_staff_create",
    response={
        200: StaffDeclarationOut,
        201: StaffDeclarationOut,
        401: ErrorOut,
        403: ErrorOut,
        409: DuplicateOut,
        422: ErrorOut,
    },
    summary="Enter a declaration at a health station, from paper or at a checkpoint",
    description=(
        "Staff entry (R-D2): the citizens' body plus `channel` (`walk_in`, `paper` with "
        "`paper_form_number`, `paper_form_date` and `paper_reason`, why paper was used, or "
        "`checkpoint` with `checkpoint`). "
        "Same rules as the web form; the destination commune must be inside the caller's "
        "jurisdiction (422 on `area_code` otherwise). Needs a task group that enters "
        "declarations (403 otherwise). 201 with the declaration; 200 with the same one when "
        "this account already used the `Idempotency-Key`. When the person (found by ID "
        "number, or phone, name and birth year, as the save would find them) already has "
        f"a declaration arriving or made in the last {RECENT_DAYS} days inside the caller's "
        "jurisdiction, nothing is created: 409 `duplicate` lists it in `existing` (scan or "
        "read it instead); send `confirm_duplicate: true` to create a second one anyway."
    ),
    url_name="declaration_staff_create",
    openapi_extra={
        **body_example(
            {
                **EXAMPLE_STAFF,
                "paper_reason": "elderly_child",
                "paper_reason_other": "",
                "confirm_duplicate": False,
            }
        ),
        "responses": {
            **response_example(
                {
                    **EXAMPLE_STAFF_OUT,
                    "channel": "paper",
                    "submitter_phone": "",
                    "paper_form_number": "PN-0042",
                    "paper_form_date": "2021-08-21",
                    "paper_reason": "elderly_child",
                },
                201,
            )["responses"],
            **response_example(EXAMPLE_DUPLICATE, 409)["responses"],
        },
    },
)
@api_requires(ENTER_DECLARATION)
def staff_create(
    request, payload: StaffDeclarationCreateIn, idempotency_key: str = IDEMPOTENCY_HEADER
):
    user = request.auth
    form, fields, relation = validate(payload, proxy=payload.is_proxy)
    errors = {}
    paper_date = iso_date(payload.paper_form_date, "paper_form_date", errors)
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
    # Why paper was used: the entry page's form and rule (required.py).
    paper = None
    if payload.channel == Channel.PAPER:
        paper = PaperReasonForm(
            {
                "paper_reason": payload.paper_reason or "",
                "paper_reason_other": payload.paper_reason_other or "",
            }
        )
        if not paper.is_valid():
            for name, messages in paper.errors.items():
                fields.setdefault(name, []).extend(messages)
    area = form.cleaned_data.get("area")
    if area is not None and not in_scope(user, area.path):
        fields.setdefault("area_code", []).append(_("This commune is outside your jurisdiction."))
    if fields:
        return invalid(request, fields)
    data = {**form.declaration_data(), **channel_form.declaration_data()}
    data["proxy_relation"] = relation
    if paper is not None:
        data.update(paper.declaration_data())
    key = scoped_key(f"staff:{user.pk}", idempotency_key)
    # A retry with the same key is answered with the first declaration, not refused.
    repeat = bool(key) and Declaration.objects.filter(idempotency_key=key).exists()
    if not repeat and not payload.confirm_duplicate:
        recent = recent_declarations(user, form.identity())
        if recent:
            return duplicate(request, recent)
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=channel_form.cleaned_data["channel"],
        actor=user,
        is_proxy=payload.is_proxy,
        idempotency_key=key,
        request=request,
    )
    declaration = get_for_user(queryset(), user, pk=submission.declaration.pk)
    return Status(
        201 if submission.created else 200, staff_out(declaration, may(user, SEE_IDENTITY))
    )


@router.get(
    "/{int:declaration_id}",
    operation_id="vigil_api_declarations_detail",
    response={200: StaffDeclarationOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="One declaration (logged in the audit trail)",
    description=(
        "A declaration inside the caller's jurisdiction; 404 outside it. The ID number "
        "and phones are whole for task groups that need them, masked otherwise."
    ),
    url_name="declaration_detail",
    openapi_extra=response_example(EXAMPLE_STAFF_OUT),
)
@api_requires(READ_DECLARATIONS)
def detail(request, declaration_id: int = Path(..., example=42)):
    user = request.auth
    declaration = get_for_user(queryset(), user, pk=declaration_id)
    whole = may(user, SEE_IDENTITY)
    log(request, Action.VIEW, declaration, detail={"identity_shown": whole, "via": "api"})
    return staff_out(declaration, whole)
