"""The establishment catalogue ("Danh mục cơ sở lưu trú", R-A1) and the
establishments' PMS keys through the API.

The same services as the pages (vigil.lodging.catalogue): the same messages,
404 outside the caller's scope (an establishment's account sees its own
establishment only), 409 `stale` when the establishment changed since its
`version` was read, 422 `invalid` per field. A new PMS key is answered once.
"""

import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Schema, Status

from vigil.api.common import (
    READ_ERRORS,
    STATE_ERRORS,
    ErrorOut,
    body_doc,
    choice,
    enum,
    invalid,
    place_service_fields,
    place_units,
    read_body,
    service_fields,
    stale,
)
from vigil.api.lodging import router
from vigil.audit.services import stale_message
from vigil.core.permissions import (
    MANAGE_ESTABLISHMENTS,
    MANAGE_PMS_TOKENS,
    READ_ESTABLISHMENTS,
    api_requires,
)
from vigil.core.scope import get_for_user
from vigil.lodging import catalogue as services
from vigil.lodging.forms_establishments import EstablishmentFilterForm
from vigil.lodging.models import (
    Establishment,
    EstablishmentKind,
    EstablishmentStatus,
    PmsToken,
)

ESTABLISHMENT_PATH = Path(..., description="The establishment's `id`.", example=7)
TOKEN_PATH = Path(..., description="The PMS key's `id`.", example=3)
ERRORS = STATE_ERRORS


class EstablishmentOut(Schema):
    id: int
    name: str
    kind: str = Field(..., json_schema_extra=enum(EstablishmentKind.choices))
    licence_number: str
    district_name: str
    area_code: str = Field(..., description="The commune's code.")
    area_name: str
    village_code: str
    village_name: str
    address: str
    rooms: int | None
    phone: str
    status: str = Field(..., json_schema_extra=enum(EstablishmentStatus.choices))
    guests_in_house: int = Field(..., description="Guests checked in and not out.")
    version: int = Field(..., description="Send it back with a change.")


def _out(e):
    district = services.district_of(e)
    return {
        "id": e.pk,
        "name": e.name,
        "kind": e.kind,
        "licence_number": e.licence_number,
        "district_name": district.name if district else "",
        "area_code": e.area.code,
        "area_name": e.area.name,
        "village_code": e.village.code if e.village_id else "",
        "village_name": e.village.name if e.village_id else "",
        "address": e.address,
        "rooms": e.rooms,
        "phone": e.phone,
        "status": e.status,
        "guests_in_house": e.n_in_house,
        "version": e.version,
    }


def _establishments(user):
    return services.with_in_house(
        Establishment.objects.visible_to(user).select_related("area__parent", "village")
    )


def _establishment(request, establishment_id):
    return get_for_user(_establishments(request.auth), request.auth, pk=establishment_id)


@router.get(
    "/establishments",
    operation_id="vigil_api_lodging_establishments",
    response={200: list[EstablishmentOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="The accommodation establishments in the caller's scope",
    description=(
        "Filters `district_id`, `commune_id`, `kind`, `status` and `q` (name, address, "
        "licence, phone) as on the page; at most 500, by place and name."
    ),
    url_name="lodging_establishments",
)
@api_requires(READ_ESTABLISHMENTS)
def establishment_list(
    request,
    district_id: int | None = Query(None, description="Id of a district.", example=474),
    commune_id: int | None = Query(None, description="Id of a commune.", example=19750),
    kind: str | None = Query(None, description="`hotel`, `guest_house`, `homestay`, ..."),
    status: str | None = Query(None, description="`open` or `closed`.", example="open"),
    q: str | None = Query(None, description="A keyword.", example="Hương Giang"),
):
    form = EstablishmentFilterForm(
        {
            "district": district_id or "",
            "commune": commune_id or "",
            "kind": kind or "",
            "status": status or "",
            "q": q or "",
        },
        user=request.auth,
    )
    if not form.is_valid():
        return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})
    rows = form.filter_qs(_establishments(request.auth)).order_by("area_path", "name", "id")
    return [_out(e) for e in rows[:500]]


@router.get(
    "/establishments/{int:establishment_id}",
    operation_id="vigil_api_lodging_establishment",
    response={200: EstablishmentOut, **READ_ERRORS},
    summary="One establishment",
    url_name="lodging_establishment",
)
@api_requires(READ_ESTABLISHMENTS)
def establishment_detail(request, establishment_id: int = ESTABLISHMENT_PATH):
    return _out(_establishment(request, establishment_id))


class EstablishmentIn(Schema):
    name: str | None = Field(None, description="Required.")
    kind: str | None = Field(None, json_schema_extra=enum(EstablishmentKind.choices, null=True))
    licence_number: str | None = Field(None, description="Unique in the province.")
    area_code: str | None = Field(None, description="A commune of the caller's scope. Required.")
    village_code: str | None = Field(
        None, description="Required when the commune has villages / residential groups."
    )
    address: str | None = Field(None, description="House number, street.")
    rooms: int | None = Field(None, description="At least 1 when given.")
    phone: str | None = Field(None, description="A Vietnamese number; stored as 0xxxxxxxxx.")
    status: str | None = Field(None, json_schema_extra=enum(EstablishmentStatus.choices, null=True))
    version: int | None = Field(None, description="Required to change an establishment.")


EXAMPLE_ESTABLISHMENT = {
    "name": "Khách sạn Hương Giang",
    "kind": "hotel",
    "licence_number": "GP-2021-017",
    "area_code": "19774",
    "village_code": "",
    "address": "51 Lê Lợi",
    "rooms": 40,
    "phone": "0234 3822 122",
    "status": "open",
}


def _values(payload, partial=False):
    """The body as the service's values, or ({}, errors) for bad spellings.
    `partial`: only the fields sent (a change)."""
    errors = {}
    sent = payload.model_fields_set if partial else set(EstablishmentIn.model_fields)
    values = {}
    for name in ("name", "licence_number", "address", "phone"):
        if name in sent:
            values[name] = getattr(payload, name) or ""
    if "rooms" in sent:
        values["rooms"] = payload.rooms
    if "kind" in sent:
        values["kind"] = choice(payload.kind, EstablishmentKind.choices, "kind", errors)
    if "status" in sent:
        values["status"] = choice(payload.status, EstablishmentStatus.choices, "status", errors)
    place_units(payload, values, errors, sent)
    if partial and "area" in values and "village" not in values:
        values["village"] = None
    return values, errors


@router.post(
    "/establishments",
    operation_id="vigil_api_lodging_establishment_create",
    response={201: EstablishmentOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add an establishment",
    description="422 `invalid` with the page's messages per field. For MANAGE_ESTABLISHMENTS.",
    url_name="lodging_establishment_create",
    openapi_extra=body_doc(EstablishmentIn, EXAMPLE_ESTABLISHMENT),
)
@api_requires(MANAGE_ESTABLISHMENTS)
def establishment_create(request):
    values, errors = _values(read_body(request, EstablishmentIn))
    if errors:
        return invalid(request, errors)
    try:
        establishment = services.create_establishment(request.auth, values)
    except ValidationError as exc:
        return invalid(request, place_service_fields(exc))
    return Status(201, _out(_establishment(request, establishment.pk)))


@router.patch(
    "/establishments/{int:establishment_id}",
    operation_id="vigil_api_lodging_establishment_update",
    response={200: EstablishmentOut, **ERRORS},
    summary="Change, close or reopen an establishment",
    description=(
        "The fields sent change, with the `version` as read: 409 `stale` when someone "
        "changed it since. Closing: `status` `closed`. 404 outside the caller's scope."
    ),
    url_name="lodging_establishment_update",
    openapi_extra=body_doc(EstablishmentIn, {"rooms": 42, "status": "closed", "version": 2}),
)
@api_requires(MANAGE_ESTABLISHMENTS)
def establishment_update(request, establishment_id: int = ESTABLISHMENT_PATH):
    establishment = _establishment(request, establishment_id)
    payload = read_body(request, EstablishmentIn)
    if payload.version is None:
        return invalid(request, {"version": [_("Send the version you read.")]})
    values, errors = _values(payload, partial=True)
    if errors:
        return invalid(request, errors)
    try:
        services.update_establishment(
            establishment, actor=request.auth, version=payload.version, fields=values
        )
    except services.StaleEstablishment as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, place_service_fields(exc))
    return Status(200, _out(_establishment(request, establishment.pk)))


# PMS keys -----------------------------------------------------------------


class PmsTokenOut(Schema):
    id: int
    establishment_id: int
    name: str
    prefix: str = Field(..., description="The key starts with `vgp_<prefix>_`.")
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class PmsTokenIssued(PmsTokenOut):
    secret: str = Field(..., description="The key itself, answered this once only.")


def _token_out(t):
    return {
        "id": t.pk,
        "establishment_id": t.establishment_id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }


class PmsTokenIn(Schema):
    name: str | None = Field(None, description="What uses the key. Required.")


@router.get(
    "/establishments/{int:establishment_id}/pms-keys",
    operation_id="vigil_api_lodging_pms_keys",
    response={200: list[PmsTokenOut], **READ_ERRORS},
    summary="The PMS keys of an establishment",
    description="Revoked keys included; never the key itself.",
    url_name="lodging_pms_keys",
)
@api_requires(MANAGE_PMS_TOKENS)
def token_list(request, establishment_id: int = ESTABLISHMENT_PATH):
    establishment = _establishment(request, establishment_id)
    return [_token_out(t) for t in services.tokens_of(establishment)]


@router.post(
    "/establishments/{int:establishment_id}/pms-keys",
    operation_id="vigil_api_lodging_pms_key_issue",
    response={201: PmsTokenIssued, **ERRORS},
    summary="Issue a PMS key for an establishment",
    description="The answer holds the key (`secret`) this once only; only its hash is kept.",
    url_name="lodging_pms_key_issue",
    openapi_extra=body_doc(PmsTokenIn, {"name": "Front desk (SmartHotel)"}),
)
@api_requires(MANAGE_PMS_TOKENS)
def token_issue(request, establishment_id: int = ESTABLISHMENT_PATH):
    establishment = _establishment(request, establishment_id)
    payload = read_body(request, PmsTokenIn)
    try:
        token, secret = services.issue_token(
            establishment, actor=request.auth, name=payload.name or ""
        )
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return Status(201, {**_token_out(token), "secret": secret})


@router.post(
    "/pms-keys/{int:pms_token_id}/revoke",
    operation_id="vigil_api_lodging_pms_key_revoke",
    response={200: PmsTokenOut, **READ_ERRORS},
    summary="Revoke a PMS key",
    description="The software using it is refused from now on. Revoking again changes nothing.",
    url_name="lodging_pms_key_revoke",
)
@api_requires(MANAGE_PMS_TOKENS)
def token_revoke(request, pms_token_id: int = TOKEN_PATH):
    visible = Establishment.objects.visible_to(request.auth)
    token = get_object_or_404(PmsToken, pk=pms_token_id, establishment__in=visible)
    return _token_out(services.revoke_token(token, actor=request.auth))
