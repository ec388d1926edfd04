"""Check-in and check-out for the establishments' property-management systems.

A PMS authenticates with its establishment's key (`Authorization: Bearer
vgp_...`, issued on the establishment's page); a staff token is refused here
and the key works nowhere else (`PmsAuth` is these operations' only auth).
One guest or a batch of up to 500, each with the PMS's `idempotency_key`: a
retried batch creates nothing twice. Every stay is made by
vigil.lodging.services through vigil.lodging.pms.

These operations hold no staff capability: the key names an establishment,
not an account, so the task groups decide nothing here (`pms` marks them
for the route matrix; the key is checked by `PmsAuth`).
"""

import json

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Schema, UploadedFile
from ninja.errors import HttpError
from ninja.security import HttpBearer

from vigil.api.common import (
    ErrorOut,
    body_doc,
    checked_upload,
    error,
    import_refusal,
    invalid,
    response_example,
)
from vigil.api.lodging import router
from vigil.core.permissions import IMPORT_GUESTS, api_requires
from vigil.core.permissions import pms as pms_key
from vigil.core.scope import get_for_user
from vigil.lodging import imports, pms
from vigil.lodging.forms_imports import importable

TAGS = ["lodging: property-management systems"]
BATCH_TEXT = f'One guest, or `{{"guests": [...]}}` with at most {pms.PMS_BATCH_MAX}.'


class PmsAuth(HttpBearer):
    """`Authorization: Bearer vgp_...`: an establishment's key. `request.auth` is the PmsToken."""

    def authenticate(self, request, token):
        row = pms.authenticate(token)
        if row is None:
            return None
        request.pms_token = row
        return row


pms_auth = PmsAuth()


# Schemas (the document; bodies are read guest by guest) ------------------------


class GuestIn(Schema):
    idempotency_key: str
    full_name: str
    birth_year: int | None = None
    gender: str | None = None
    id_number: str
    id_kind: str | None = None
    nationality: str | None = None
    phone: str | None = None
    declaration_code: str | None = None
    room: str | None = None
    check_in: str
    planned_check_out: str | None = None


class CheckInsIn(Schema):
    guests: list[GuestIn]


class GuestOut(Schema):
    index: int
    idempotency_key: str
    status: str
    stay_id: int | None = None
    declared: bool = False
    declaration_code: str | None = None
    declare_url: str | None = None
    errors: dict[str, list[str]] | None = None


class CheckInsOut(Schema):
    created: int
    existing: int
    invalid: int
    guests: list[GuestOut]


class CheckOutIn(Schema):
    stay_id: int | None = None
    idempotency_key: str | None = None
    check_out: str | None = None


class CheckOutsIn(Schema):
    guests: list[CheckOutIn]


class CheckOutOut(Schema):
    index: int
    status: str
    stay_id: int | None = None
    check_out: str | None = None
    errors: dict[str, list[str]] | None = None


class CheckOutsOut(Schema):
    guests: list[CheckOutOut]


GUEST_EXAMPLE = {
    "idempotency_key": "HG-2021-08-25-0001",
    "full_name": "Nguyễn Văn An",
    "birth_year": 1990,
    "gender": "male",
    "id_number": "046090001234",
    "nationality": "VN",
    "phone": "0905123456",
    "declaration_code": "7KX3M9QA",
    "room": "203",
    "check_in": "2021-08-25T14:30:00+07:00",
    "planned_check_out": "2021-08-27",
}
FOREIGN_EXAMPLE = {
    "idempotency_key": "HG-2021-08-25-0002",
    "full_name": "John Smith",
    "birth_year": 1985,
    "gender": "male",
    "id_number": "C1234567",
    "nationality": "GB",
    "room": "204",
    "check_in": "2021-08-25T15:00:00+07:00",
}
CHECK_INS_OUT = {
    "created": 2,
    "existing": 0,
    "invalid": 0,
    "guests": [
        {"index": 0, "idempotency_key": "HG-2021-08-25-0001", "status": "created",
         "stay_id": 812, "declared": True, "declaration_code": "7KX3M9QA"},
        {"index": 1, "idempotency_key": "HG-2021-08-25-0002", "status": "created",
         "stay_id": 813, "declared": False,
         "declare_url": "https://vigil.example.vn/khai-bao/"},
    ],
}  # fmt: skip


# Reading the body -----------------------------------------------------------------


def _items(request):
    """(the body's guests [dict or anything else, ...], sent as a batch, None)
    or (None, None, 422); 400 when not JSON. 422 when neither a guest nor
    {"guests": [...]}, or too many."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise HttpError(400, _("The request body is not valid JSON.")) from None
    if isinstance(data, dict) and "guests" in data:
        items = data["guests"]
        if not isinstance(items, list):
            return None, None, invalid(request, {"guests": [_("Send a list of guests.")]})
    elif isinstance(data, dict):
        items = [data]
    else:
        return None, None, invalid(request, {"guests": [_("Send a guest or a list of guests.")]})
    if not items:
        return None, None, invalid(request, {"guests": [_("Send at least one guest.")]})
    if len(items) > pms.PMS_BATCH_MAX:
        message = _("At most %(max)d guests in a batch: split it.") % {"max": pms.PMS_BATCH_MAX}
        return None, None, invalid(request, {"guests": [message]})
    return items, "guests" in data, None


# Check-ins -----------------------------------------------------------------------


def _guest_out(request, outcome):
    out = {"index": outcome.index, "idempotency_key": outcome.key, "status": outcome.status}
    if outcome.status == "invalid":
        out["errors"] = {k: [str(m) for m in v] for k, v in outcome.errors.items()}
        return out
    declaration = outcome.declaration
    out["stay_id"] = outcome.stay.pk
    out["declared"] = declaration is not None
    out["declaration_code"] = declaration.code if declaration is not None else None
    if declaration is None:
        out["declare_url"] = request.build_absolute_uri(reverse("public:start"))
    return out


@router.post(
    "/pms/check-ins",
    operation_id="vigil_api_lodging_pms_check_ins",
    auth=pms_auth,
    tags=TAGS,
    response={200: CheckInsOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    summary="Check guests in (one or a batch), from a property-management system",
    description=(
        '"Khai báo lưu trú" pushed by the establishment\'s software, authenticated by the '
        "establishment's key (`Authorization: Bearer vgp_...`). " + BATCH_TEXT + " Each guest "
        "has its `idempotency_key` (unique in the establishment): a guest sent again is "
        "answered `existing` with its stay, nothing is created twice. A guest's declaration "
        "is linked by `declaration_code`, or found by the guest's ID number / phone (the "
        "latest declaration of the last 14 days); without one, `declared` is false and "
        "`declare_url` is the public declaration page to give the guest. A bad guest is "
        "`invalid` with its messages per field and nothing saved for it; the others are "
        "saved. Times are ISO 8601 (without an offset: Vietnam's time). 422 for a batch of "
        f"more than {pms.PMS_BATCH_MAX} guests (nothing saved)."
    ),
    url_name="lodging_pms_check_ins",
    openapi_extra={
        **body_doc(
            CheckInsIn,
            {"guests": [GUEST_EXAMPLE, FOREIGN_EXAMPLE]},
            named={
                "batch": {"value": {"guests": [GUEST_EXAMPLE, FOREIGN_EXAMPLE]}},
                "one guest": {"value": GUEST_EXAMPLE},
            },
        ),
        **response_example(CHECK_INS_OUT),
    },
)
@pms_key
def check_ins(request):
    items, _batch, refused = _items(request)
    if refused is not None:
        return refused
    token = request.auth
    raws = [item if isinstance(item, dict) else {} for item in items]
    outcomes = pms.check_in_batch(request, token.establishment, raws)
    guests = [_guest_out(request, o) for o in outcomes]
    counts = {s: sum(1 for g in guests if g["status"] == s) for s in ("created", "existing")}
    return {**counts, "invalid": len(guests) - sum(counts.values()), "guests": guests}


# Check-outs ----------------------------------------------------------------------


def _check_out_one(request, index, raw):
    establishment = request.auth.establishment
    guest = pms.Guest()
    stay_id = raw.get("stay_id")
    key = pms.text_value(raw.get("idempotency_key"))
    if stay_id is not None and not (isinstance(stay_id, int) and not isinstance(stay_id, bool)):
        guest.error("stay_id", _("Enter a whole number."))
    if stay_id is None and not key:
        guest.error("stay_id", _("Give the stay's id or its check-in's idempotency key."))
    at = pms.parse_when(guest, "check_out", raw.get("check_out"))
    if guest.errors:
        return {"index": index, "status": "invalid", "errors": guest.errors}
    stay = pms.find_stay(establishment, stay_id=stay_id, key=key)
    if stay is None:
        return {"index": index, "status": "not_found"}
    try:
        stay, changed = pms.check_out(request, stay, at)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return {"index": index, "status": "invalid", "stay_id": stay.pk, "errors": errors}
    return {
        "index": index,
        "status": "checked_out" if changed else "existing",
        "stay_id": stay.pk,
        "check_out": stay.check_out.isoformat(),
    }


@router.post(
    "/pms/check-outs",
    operation_id="vigil_api_lodging_pms_check_outs",
    auth=pms_auth,
    tags=TAGS,
    response={200: CheckOutsOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Check guests out, from a property-management system",
    description=(
        "Each guest's stay is named by `stay_id` or by the `idempotency_key` of its check-in; "
        "`check_out` is the time (now when left out). " + BATCH_TEXT + " Per guest: "
        "`checked_out`, `existing` (already checked out at that time: a retry changes "
        "nothing), `not_found` (no such stay in this establishment) or `invalid` with its "
        "messages. One guest sent alone answers 404 when its stay is not found here and 422 "
        "when it is invalid."
    ),
    url_name="lodging_pms_check_outs",
    openapi_extra={
        **body_doc(
            CheckOutsIn,
            {
                "guests": [
                    {
                        "idempotency_key": "HG-2021-08-25-0001",
                        "check_out": "2021-08-27T11:00:00+07:00",
                    }
                ]
            },
        ),
        **response_example(
            {
                "guests": [
                    {
                        "index": 0,
                        "status": "checked_out",
                        "stay_id": 812,
                        "check_out": "2021-08-27T11:00:00+07:00",
                    }
                ]
            }
        ),
    },  # fmt: skip
)
@pms_key
def check_outs(request):
    items, batch, refused = _items(request)
    if refused is not None:
        return refused
    alone = not batch
    answers = [
        _check_out_one(request, i, item if isinstance(item, dict) else {})
        for i, item in enumerate(items)
    ]
    if alone and answers[0]["status"] == "not_found":
        return error(request, 404, "not_found", _("Not found."))
    if alone and answers[0]["status"] == "invalid":
        return invalid(request, answers[0]["errors"])
    return {"guests": answers}


# The paper guest register, uploaded by staff (personal token) ---------------------


class RegisterImportOut(Schema):
    rows: int
    created: int
    already: int
    undeclared: int


@router.post(
    "/import",
    operation_id="vigil_api_lodging_import",
    response={200: RegisterImportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Import a paper guest register (.xlsx)",
    description=(
        "multipart/form-data with `file`, made from the page's template (GET "
        "/lodging/import/template.xlsx), and for the police `establishment_id` (an open "
        "establishment of their area; an establishment's account imports its own). Every "
        "row is checked first: when any row is bad nothing is saved and the answer is 422 "
        '`invalid_file` with every bad row in `error.fields.rows` ("Row 5: …"), or the '
        "file's problem in `error.fields.file`. Otherwise every row is a guest's stay "
        "(checked out when the row has a check-out time): `created`, `already` (imported "
        "before: nothing twice), `undeclared` (registered without a health declaration). "
        f"At most {imports.MAX_ROWS} rows and {imports.MAX_BYTES // (1024 * 1024)} MB."
    ),
    url_name="lodging_import",
    openapi_extra=response_example({"rows": 12, "created": 12, "already": 0, "undeclared": 3}),
)
@api_requires(IMPORT_GUESTS)
def import_register(
    request,
    file: UploadedFile = File(None),  # noqa: B008
    establishment_id: int | None = Form(None),  # noqa: B008
):
    upload, refused = checked_upload(request, file)
    if refused is not None:
        return refused
    user = request.auth
    establishment = getattr(user, "establishment", None)
    if establishment is None:
        if establishment_id is None:
            return invalid(request, {"establishment_id": [_("Choose the establishment.")]})
        establishment = get_for_user(importable(user), user, pk=establishment_id)
    result = imports.import_register(upload, user, establishment)
    refused = import_refusal(request, result)
    if refused is not None:
        return refused
    return {
        "rows": result.rows,
        "created": result.created,
        "already": result.already,
        "undeclared": result.undeclared,
    }
