"""The staff side of the declarations API (R-D2, R-D4, R-N5).

Staff (the API's default auth: personal token or browser session) scan a QR,
enter a declaration from a walk-in, a paper form or a checkpoint, and read one
declaration inside their jurisdiction.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Status

from vigil.api.common import (
    ErrorOut,
    body_example,
    error,
    invalid,
    iso_date,
    require,
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
from vigil.core.modules import STAFF
from vigil.core.scope import get_for_user, in_scope
from vigil.declarations import services
from vigil.declarations.models import Declaration
from vigil.declarations.permissions import ENTRY_TASKS
from vigil.people.permissions import may_see_identity


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
def scan(request, payload: ScanIn):
    user = request.auth
    require(user, STAFF)
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
    whole = may_see_identity(user)
    log(
        request,
        Action.VIEW,
        declaration,
        detail={"scan": "ok", "identity_shown": whole, "via": "api"},
    )
    return staff_out(declaration, whole)


@router.post(
    "/staff",
    operation_id="vigil_api_declarations_staff_create",
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
        **body_example(EXAMPLE_STAFF),
        **response_example(
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
    require(user, ENTRY_TASKS)
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
    area = form.cleaned_data.get("area")
    if area is not None and not in_scope(user, area.path):
        fields.setdefault("area_code", []).append(_("This commune is outside your jurisdiction."))
    if fields:
        return invalid(request, fields)
    data = {**form.declaration_data(), **channel_form.declaration_data()}
    data["proxy_relation"] = relation
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=channel_form.cleaned_data["channel"],
        actor=user,
        is_proxy=payload.is_proxy,
        idempotency_key=scoped_key(f"staff:{user.pk}", idempotency_key),
        request=request,
    )
    declaration = get_for_user(queryset(), user, pk=submission.declaration.pk)
    return Status(
        201 if submission.created else 200, staff_out(declaration, may_see_identity(user))
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
def detail(request, declaration_id: int = Path(..., example=42)):
    user = request.auth
    require(user, STAFF)
    declaration = get_for_user(queryset(), user, pk=declaration_id)
    whole = may_see_identity(user)
    log(request, Action.VIEW, declaration, detail={"identity_shown": whole, "via": "api"})
    return staff_out(declaration, whole)
