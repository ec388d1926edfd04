"""Outbreaks ("Danh mục ổ dịch", R-E2), the outbreak map and the transmission
chain graphs through the API.

The same services as the pages (vigil.investigation.outbreaks, .graph): the
same messages, 404 outside the caller's scope, 409 `stale` when the outbreak
changed since its `version` was read, 422 `invalid` per field.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
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
    iso_date,
    place_service_fields,
    place_units,
    read_body,
    stale,
)
from vigil.api.investigation import router
from vigil.audit.services import stale_message
from vigil.core.permissions import EDIT_OUTBREAKS, READ_CASES, api_requires
from vigil.core.scope import get_for_user
from vigil.investigation import outbreaks as services
from vigil.investigation.forms_outbreaks import OutbreakFilterForm
from vigil.investigation.graph import chain_graph, outbreak_seeds
from vigil.investigation.models import Case, Outbreak, OutbreakStatus

OUTBREAK_PATH = Path(..., description="The outbreak's `id`.", example=5)
CASE_PATH = Path(..., description="The case record's `id`.", example=12)
ERRORS = STATE_ERRORS


class OutbreakOut(Schema):
    id: int
    name: str
    district_name: str
    area_code: str = Field(..., description="The commune's code.")
    area_name: str
    village_code: str
    village_name: str
    address: str
    longitude: float | None
    latitude: float | None
    status: str = Field(..., json_schema_extra=enum(OutbreakStatus.choices))
    activity: str = Field(
        ..., description="`recent` (a case in the last 14 days), `active`, `closed`."
    )
    opened_on: datetime.date
    closed_on: datetime.date | None
    cases: int = Field(..., description="Confirmed cases (F0) of the outbreak.")
    contacts: int
    version: int = Field(..., description="Send it back with a change.")


def _out(o):
    district = services.district_of(o)
    return {
        "id": o.pk,
        "name": o.name,
        "district_name": district.name if district else "",
        "area_code": o.area.code,
        "area_name": o.area.name,
        "village_code": o.village.code if o.village_id else "",
        "village_name": o.village.name if o.village_id else "",
        "address": o.address,
        "longitude": float(o.longitude) if o.longitude is not None else None,
        "latitude": float(o.latitude) if o.latitude is not None else None,
        "status": o.status,
        "activity": services.activity(o),
        "opened_on": o.opened_on,
        "closed_on": o.closed_on,
        "cases": o.n_cases,
        "contacts": o.n_contacts,
        "version": o.version,
    }


def _outbreaks(user):
    return services.with_counts(
        Outbreak.objects.visible_to(user).select_related("area__parent", "village")
    )


def _outbreak(request, outbreak_id):
    return get_for_user(_outbreaks(request.auth), request.auth, pk=outbreak_id)


@router.get(
    "/outbreaks",
    operation_id="vigil_api_investigation_outbreaks",
    response={200: list[OutbreakOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="The outbreaks in the caller's scope",
    description="Filters `status`, `district_id` and `q` (name, address, commune) as on the page.",
    url_name="investigation_outbreaks",
)
@api_requires(READ_CASES)
def outbreak_list(
    request,
    status: str | None = Query(None, description="`active` or `closed`.", example="active"),
    district_id: int | None = Query(None, description="Id of a district.", example=474),
    q: str | None = Query(None, description="A keyword.", example="chợ"),
):
    form = OutbreakFilterForm(
        {"status": status or "", "district": district_id or "", "q": q or ""}, user=request.auth
    )
    if not form.is_valid():
        return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})
    rows = form.filter_qs(_outbreaks(request.auth)).order_by("-opened_on", "name", "id")
    return [_out(o) for o in rows]


@router.get(
    "/outbreaks/{int:outbreak_id}",
    operation_id="vigil_api_investigation_outbreak",
    response={200: OutbreakOut, **READ_ERRORS},
    summary="One outbreak",
    url_name="investigation_outbreak",
)
@api_requires(READ_CASES)
def outbreak_detail(request, outbreak_id: int = OUTBREAK_PATH):
    return _out(_outbreak(request, outbreak_id))


class OutbreakIn(Schema):
    name: str | None = Field(None, description="Required.")
    area_code: str | None = Field(None, description="A commune of the caller's scope. Required.")
    village_code: str | None = Field(
        None, description="Required when the commune has villages / residential groups."
    )
    address: str | None = ""
    longitude: str | float | None = Field(None, description="Both or neither; in the province.")
    latitude: str | float | None = None
    status: str | None = Field(None, json_schema_extra=enum(OutbreakStatus.choices, null=True))
    opened_on: str | None = Field(None, description="YYYY-MM-DD; default today.")
    closed_on: str | None = Field(None, description="YYYY-MM-DD; closing without it: today.")
    version: int | None = Field(None, description="Required to change an outbreak.")


EXAMPLE_OUTBREAK = {
    "name": "Chợ Đông Ba",
    "area_code": "19750",
    "village_code": "",
    "address": "2 Trần Hưng Đạo",
    "longitude": "107.5886",
    "latitude": "16.4735",
    "status": "active",
    "opened_on": "2026-11-20",
}


def _decimal(value, name, errors):
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        errors[name] = [_("Enter a number.")]
        return None


def _values(payload):
    """The body as the service's values, or ({}, errors) for bad spellings."""
    errors = {}
    values = {
        "name": payload.name or "",
        "address": payload.address or "",
        "longitude": _decimal(payload.longitude, "longitude", errors),
        "latitude": _decimal(payload.latitude, "latitude", errors),
        "status": choice(payload.status, OutbreakStatus.choices, "status", errors),
        "opened_on": iso_date(payload.opened_on, "opened_on", errors),
        "closed_on": iso_date(payload.closed_on, "closed_on", errors),
    }
    place_units(payload, values, errors)
    return values, errors


@router.post(
    "/outbreaks",
    operation_id="vigil_api_investigation_outbreak_create",
    response={201: OutbreakOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add an outbreak",
    description="422 `invalid` with the page's messages per field. For EDIT_OUTBREAKS.",
    url_name="investigation_outbreak_create",
    openapi_extra=body_doc(OutbreakIn, EXAMPLE_OUTBREAK),
)
@api_requires(EDIT_OUTBREAKS)
def outbreak_create(request):
    values, errors = _values(read_body(request, OutbreakIn))
    if errors:
        return invalid(request, errors)
    if values["opened_on"] is None:
        values["opened_on"] = timezone.localdate()
    try:
        outbreak = services.create_outbreak(request.auth, values)
    except ValidationError as exc:
        return invalid(request, place_service_fields(exc))
    return Status(201, _out(_outbreak(request, outbreak.pk)))


@router.put(
    "/outbreaks/{int:outbreak_id}",
    operation_id="vigil_api_investigation_outbreak_update",
    response={200: OutbreakOut, **ERRORS},
    summary="Change, close or reopen an outbreak",
    description=(
        "Every field, with the `version` as read: 409 `stale` when someone changed it since. "
        "404 outside the caller's scope."
    ),
    url_name="investigation_outbreak_update",
    openapi_extra=body_doc(OutbreakIn, {**EXAMPLE_OUTBREAK, "version": 2}),
)
@api_requires(EDIT_OUTBREAKS)
def outbreak_update(request, outbreak_id: int = OUTBREAK_PATH):
    outbreak = _outbreak(request, outbreak_id)
    payload = read_body(request, OutbreakIn)
    if payload.version is None:
        return invalid(request, {"version": [_("Send the version you read.")]})
    values, errors = _values(payload)
    if errors:
        return invalid(request, errors)
    try:
        services.update_outbreak(
            outbreak, actor=request.auth, version=payload.version, fields=values
        )
    except services.StaleOutbreak as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, place_service_fields(exc))
    return Status(200, _out(_outbreak(request, outbreak.pk)))


@router.delete(
    "/outbreaks/{int:outbreak_id}",
    operation_id="vigil_api_investigation_outbreak_delete",
    response={204: None, **ERRORS},
    summary="Delete an outbreak no case record belongs to",
    description="422 `invalid` when case records belong to it; `version` optional (query).",
    url_name="investigation_outbreak_delete",
)
@api_requires(EDIT_OUTBREAKS)
def outbreak_delete(
    request,
    outbreak_id: int = OUTBREAK_PATH,
    version: int | None = Query(None, description="The version read.", example=2),
):
    outbreak = _outbreak(request, outbreak_id)
    try:
        services.delete_outbreak(outbreak, actor=request.auth, version=version)
    except services.StaleOutbreak as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, place_service_fields(exc))
    return Status(204, None)


@router.get(
    "/map",
    operation_id="vigil_api_investigation_map",
    response={200: dict, 401: ErrorOut, 403: ErrorOut},
    summary="The outbreaks with coordinates as GeoJSON",
    description="A FeatureCollection of Points ([longitude, latitude]) with counts and activity.",
    url_name="investigation_map",
)
@api_requires(READ_CASES)
def outbreak_map(request):
    return services.map_features(request.auth)


class NodeOut(Schema):
    id: str = Field(..., description="`c<case id>`, or `x<n>` for a record outside the scope.")
    case_id: int | None = Field(None, description="Absent for a record outside the scope.")
    label: str
    level: int | None
    level_label: str
    generation: int
    kind: str | None = None
    url: str | None = None
    hidden: bool


class EdgeOut(Schema):
    id: str
    source: str = Field(..., description="The source's node id.")
    target: str = Field(..., description="The contact's node id.")


class GraphOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool


@router.get(
    "/outbreaks/{int:outbreak_id}/chain",
    operation_id="vigil_api_investigation_outbreak_chain",
    response={200: GraphOut, **READ_ERRORS},
    summary="The transmission chain of an outbreak",
    description=(
        "The outbreak's case records and every record linked to them. Records outside the "
        "caller's scope are nodes without personal data (`hidden`)."
    ),
    url_name="investigation_outbreak_chain",
)
@api_requires(READ_CASES)
def outbreak_chain(request, outbreak_id: int = OUTBREAK_PATH):
    outbreak = get_for_user(Outbreak.objects, request.auth, pk=outbreak_id)
    return chain_graph(request.auth, outbreak_seeds(outbreak))


@router.get(
    "/cases/{int:case_id}/chain",
    operation_id="vigil_api_investigation_case_chain",
    response={200: GraphOut, **READ_ERRORS},
    summary="The transmission chain a case record belongs to",
    description="Its whole connected component through the source links.",
    url_name="investigation_case_chain",
)
@api_requires(READ_CASES)
def case_chain(request, case_id: int = CASE_PATH):
    case = get_for_user(Case.objects, request.auth, pk=case_id)
    return chain_graph(request.auth, [case.pk])
