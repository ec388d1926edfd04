"""Account requests through the API (R-U1): a unit leader asks the operations
centre for an account for a member of their unit; the operations centre
approves (the account is created, its first password answered once) or
rejects with a reason. The same form (AccountRequestForm) and services
(vigil.accounts.services) as the pages; a request outside the caller's
jurisdiction answers 404."""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from vigil.accounts import services
from vigil.accounts.forms import AccountRequestForm, RejectForm
from vigil.accounts.models import AccountRequest, Task
from vigil.api.common import ErrorOut, body_doc, enum, error, invalid, one_of, read_body
from vigil.areas.models import AdminUnit
from vigil.core.permissions import MANAGE_ACCOUNTS, REVIEW_ACCOUNT_REQUESTS, api_requires
from vigil.core.scope import get_for_user

router = Router(tags=["account requests"])
REQUEST_PATH = Path(..., description="The request's `id`.", example=12)
DECISION_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class AccountRequestOut(Schema):
    id: int
    full_name: str
    phone: str
    task: str = Field(..., json_schema_extra=enum(Task.choices))
    jurisdiction_code: str
    jurisdiction_name: str
    establishment_id: int | None = Field(
        None, description="For an accommodation establishment's account: its establishment."
    )
    establishment_name: str | None = None
    note: str
    status: str = Field(..., json_schema_extra=enum(AccountRequest.Status.choices))
    requested_by: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_note: str
    created_username: str | None


def _out(req):
    return {
        "id": req.pk,
        "full_name": req.full_name,
        "phone": req.phone,
        "task": req.task,
        "jurisdiction_code": req.jurisdiction.code,
        "jurisdiction_name": req.jurisdiction.name,
        "establishment_id": req.establishment_id,
        "establishment_name": req.establishment.name if req.establishment_id else None,
        "note": req.note,
        "status": req.status,
        "requested_by": req.requested_by.username,
        "created_at": req.created_at,
        "decided_at": req.decided_at,
        "decision_note": req.decision_note,
        "created_username": req.created_user.username if req.created_user_id else None,
    }


@router.get(
    "",
    operation_id="vigil_api_account_requests",
    response={200: list[AccountRequestOut], 401: ErrorOut, 403: ErrorOut},
    summary="Account requests",
    description=(
        "Those of the caller's jurisdiction for the operations centre, the caller's own "
        "for a unit leader; newest first, at most 200."
    ),
    url_name="account_requests",
)
@api_requires(REVIEW_ACCOUNT_REQUESTS)
def request_list(
    request,
    status: str = Query(
        AccountRequest.Status.PENDING,
        description=one_of(AccountRequest.Status.choices),
        example="pending",
    ),
):
    return [_out(r) for r in services.requests_for(request.auth, status)[:200]]


class AccountRequestIn(Schema):
    full_name: str | None = Field(None, description="Required.")
    phone: str | None = Field(None, description="Required.")
    task: str | None = Field(None, json_schema_extra=enum(Task.choices, null=True))
    jurisdiction_code: str | None = Field(None, description="A unit of the caller's jurisdiction.")
    establishment_id: int | None = Field(
        None,
        description=(
            "Required for the task `establishment` (an establishment the caller sees, inside "
            "the jurisdiction); refused otherwise."
        ),
    )
    note: str | None = ""


@router.post(
    "",
    operation_id="vigil_api_account_request_create",
    response={201: AccountRequestOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Ask for an account for a member of one's unit",
    description="422 `invalid` with the page's messages per field.",
    url_name="account_request_create",
    openapi_extra=body_doc(
        AccountRequestIn,
        {
            "full_name": "Lê Thị Hoa",
            "phone": "0905123456",
            "task": "community",
            "jurisdiction_code": "19789",
            "note": "Tổ COVID cộng đồng",
        },
    ),  # fmt: skip
)
@api_requires(REVIEW_ACCOUNT_REQUESTS)
def request_create(request):
    payload = read_body(request, AccountRequestIn)
    code = (payload.jurisdiction_code or "").strip()
    unit = AdminUnit.objects.active_tree().filter(code=code).only("pk").first() if code else None
    data = {
        **payload.model_dump(exclude={"jurisdiction_code", "establishment_id"}),
        "jurisdiction": "",
        "establishment": payload.establishment_id,
    }
    data = {k: "" if v is None else v for k, v in data.items()}
    data["jurisdiction"] = unit.pk if unit else code
    form = AccountRequestForm(data, actor=request.auth)
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        for name in ("jurisdiction", "establishment"):
            if name in fields:
                fields[f"{name}_code" if name == "jurisdiction" else "establishment_id"] = (
                    fields.pop(name)
                )
        return invalid(request, fields)
    req = services.file_request(request.auth, **form.cleaned_data)
    return Status(201, _out(_scoped(request, req.pk)))


def _scoped(request, request_id):
    qs = AccountRequest.objects.select_related(
        "jurisdiction", "requested_by", "created_user", "establishment"
    )
    return get_for_user(qs, request.auth, pk=request_id)


def _already_decided(request):
    return error(request, 409, "already_handled", _("This request was already decided."))


class ApprovedOut(Schema):
    request: AccountRequestOut
    username: str
    password: str = Field(..., description="The first password, shown this once only.")


@router.post(
    "/{int:request_id}/approve",
    operation_id="vigil_api_account_request_approve",
    response={200: ApprovedOut, **DECISION_ERRORS},
    summary="Approve an account request: the account is created",
    description="409 `already_handled` when the request was already decided.",
    url_name="account_request_approve",
)
@api_requires(MANAGE_ACCOUNTS)
def request_approve(request, request_id: int = REQUEST_PATH):
    req = _scoped(request, request_id)
    try:
        user, password = services.approve_request(request.auth, req)
    except services.StaleRecord:
        return _already_decided(request)
    return {
        "request": _out(_scoped(request, req.pk)),
        "username": user.username,
        "password": password,
    }


class RejectIn(Schema):
    note: str | None = Field(None, description="The reason. Required.")


@router.post(
    "/{int:request_id}/reject",
    operation_id="vigil_api_account_request_reject",
    response={200: AccountRequestOut, **DECISION_ERRORS},
    summary="Reject an account request",
    description="The reason is required. 409 `already_handled` when already decided.",
    url_name="account_request_reject",
    openapi_extra=body_doc(RejectIn, {"note": "Đơn vị đã đủ tài khoản."}),
)
@api_requires(MANAGE_ACCOUNTS)
def request_reject(request, request_id: int = REQUEST_PATH):
    req = _scoped(request, request_id)
    form = RejectForm({"note": (read_body(request, RejectIn).note or "")})
    if not form.is_valid():
        return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})
    try:
        services.reject_request(request.auth, req, form.cleaned_data["note"])
    except services.StaleRecord:
        return _already_decided(request)
    return _out(_scoped(request, req.pk))
