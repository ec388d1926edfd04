"""The facility catalogue ("Danh mục cơ sở cách ly") and the facility board
(R-Q4): facilities in the caller's scope with their figures, adding and
changing a facility (vigil.quarantine.services, bound to the page's
FacilityForm), adding rooms and beds (QuickRoomsForm), and the board's
figures per facility, per district and for the whole scope
(vigil.quarantine.board)."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Schema, Status

from vigil.api.common import (
    READ_ERRORS,
    ErrorOut,
    body_doc,
    enum,
    invalid,
    read_body,
)
from vigil.api.quarantine import router
from vigil.api.quarantine.shared import ERRORS, api_fields, run
from vigil.areas.models import AdminUnit
from vigil.core.permissions import (
    ADD_ROOMS,
    EDIT_FACILITIES,
    READ_QUARANTINE,
    api_requires,
)
from vigil.core.scope import get_for_user
from vigil.quarantine import board, services
from vigil.quarantine.forms import (
    BoardFilterForm,
    FacilityFilterForm,
    FacilityForm,
    QuickRoomsForm,
)
from vigil.quarantine.models import Facility, FacilityKind

FACILITY_PATH = Path(..., description="The facility's `id`.", example=3)
KIND_QUERY = Query(None, description="A facility type.", example="concentrated")
DISTRICT_QUERY = Query(None, description="Id of a district.", example=474)


class FiguresOut(Schema):
    beds: int = Field(..., description="Beds in use.")
    occupied: int
    free: int
    percent: int | None = Field(..., description="Beds occupied, in percent; null without beds.")
    inside: int = Field(..., description="Open stays, with or without a bed.")
    due_today: int = Field(..., description="Open stays planned to end today or before.")
    due_tomorrow: int
    arrivals: int = Field(..., description=f"Stays started in the last {board.BOARD_DAYS} days.")
    discharges: int
    arrivals_today: int
    discharges_today: int
    daily: list[tuple[datetime.date, int, int]] = Field(
        ..., description="[day, arrivals, discharges] of each of the board's days."
    )


class FacilityOut(Schema):
    id: int
    kind: str = Field(..., json_schema_extra=enum(FacilityKind.choices))
    name: str
    area_code: str
    area_name: str
    address: str
    quarantine_days: int | None
    negative_test_to_end: bool
    active: bool
    version: int = Field(..., description="Send it back with a change.")
    figures: FiguresOut


def _figures(row):
    return {key: row[key] for key in FiguresOut.model_fields}


def _facility_out(facility, row):
    return {
        "id": facility.pk,
        "kind": facility.kind,
        "name": facility.name,
        "area_code": facility.area.code,
        "area_name": facility.area.name,
        "address": facility.address,
        "quarantine_days": facility.quarantine_days,
        "negative_test_to_end": facility.negative_test_to_end,
        "active": facility.active,
        "version": facility.version,
        "figures": _figures(row),
    }


def _outs(user, facilities):
    rows = board.board_rows(user, facilities)
    return [_facility_out(f, row) for f, row in zip(facilities, rows, strict=True)]


def _facility(request, facility_id):
    return get_for_user(
        Facility.objects.select_related("area__parent"), request.auth, pk=facility_id
    )


@router.get(
    "/facilities",
    operation_id="vigil_api_quarantine_facilities",
    response={200: list[FacilityOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="The facilities in the caller's scope, with their figures",
    description=(
        "The catalogue (a facility manager: their own facility), in use unless "
        "`retired=true`; filters `kind` and `district_id` as on the page."
    ),
    url_name="quarantine_facilities",
)
@api_requires(READ_QUARANTINE)
def facility_list(
    request,
    kind: str | None = KIND_QUERY,
    district_id: int | None = DISTRICT_QUERY,
    retired: bool = Query(False, description="Include facilities no longer in use.", example=False),
):
    data = {"kind": kind or "", "district": district_id or "", "retired": retired}
    form = FacilityFilterForm(data, user=request.auth)
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    qs = form.filter_qs(Facility.objects.visible_to(request.auth)).select_related("area")
    return _outs(request.auth, list(qs.order_by("area_path", "name")))


class BuildingOut(Schema):
    id: int
    name: str
    rooms: int
    beds: int


class FacilityDetailOut(FacilityOut):
    buildings: list[BuildingOut]


@router.get(
    "/facilities/{int:facility_id}",
    operation_id="vigil_api_quarantine_facility",
    response={200: FacilityDetailOut, **READ_ERRORS},
    summary="One facility: its figures and buildings",
    url_name="quarantine_facility",
)
@api_requires(READ_QUARANTINE)
def facility_detail(request, facility_id: int = FACILITY_PATH):
    facility = _facility(request, facility_id)
    buildings = facility.buildings.annotate(
        n_rooms=Count("rooms", distinct=True),
        n_beds=Count("rooms__beds", filter=Q(rooms__beds__active=True)),
    )
    return {
        **_outs(request.auth, [facility])[0],
        "buildings": [
            {"id": b.pk, "name": b.name, "rooms": b.n_rooms, "beds": b.n_beds} for b in buildings
        ],
    }


class FacilityIn(Schema):
    kind: str | None = Field(None, json_schema_extra=enum(FacilityKind.choices, null=True))
    name: str | None = Field(None, description="Required.")
    area_code: str | None = Field(None, description="A commune of the caller's scope. Required.")
    address: str | None = ""
    quarantine_days: int | None = Field(None, description="Empty: the type's default.")
    negative_test_to_end: bool = True
    active: bool = True
    version: int | None = Field(None, description="Required to change a facility.")


EXAMPLE_FACILITY = {
    "kind": "concentrated",
    "name": "Khu cách ly tập trung Phú Bài",
    "area_code": "19789",
    "address": "Trường Quân sự tỉnh",
    "quarantine_days": 14,
    "negative_test_to_end": True,
    "active": True,
}


def _facility_form(request, payload, instance=None):
    """The page's FacilityForm bound to the body (the commune by its code)."""
    code = (payload.area_code or "").strip()
    unit = AdminUnit.objects.active_tree().filter(code=code).only("pk").first() if code else None
    data = {
        **payload.model_dump(exclude={"area_code", "version"}),
        "area": unit.pk if unit else code,
        "version": "" if payload.version is None else payload.version,
    }
    data = {k: "" if v is None else v for k, v in data.items()}
    return FacilityForm(data, user=request.auth, instance=instance)


def _saved(request, facility):
    facility = _facility(request, facility.pk)
    return _outs(request.auth, [facility])[0]


@router.post(
    "/facilities",
    operation_id="vigil_api_quarantine_facility_create",
    response={201: FacilityOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a facility to the catalogue",
    description="422 `invalid` with the page's messages per field. For EDIT_FACILITIES.",
    url_name="quarantine_facility_create",
    openapi_extra=body_doc(FacilityIn, EXAMPLE_FACILITY),
)
@api_requires(EDIT_FACILITIES)
def facility_create(request):
    form = _facility_form(request, read_body(request, FacilityIn))
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    facility = services.create_facility(request.auth, **form.values())
    return Status(201, _saved(request, facility))


@router.put(
    "/facilities/{int:facility_id}",
    operation_id="vigil_api_quarantine_facility_update",
    response={200: FacilityOut, **ERRORS},
    summary="Change a facility",
    description=(
        "Every field, with the `version` as read: 409 `stale` when someone changed the "
        "facility since. 404 outside the caller's scope."
    ),
    url_name="quarantine_facility_update",
    openapi_extra=body_doc(FacilityIn, {**EXAMPLE_FACILITY, "version": 2}),
)
@api_requires(EDIT_FACILITIES)
def facility_update(request, facility_id: int = FACILITY_PATH):
    facility = _facility(request, facility_id)
    payload = read_body(request, FacilityIn)
    if payload.version is None:
        return invalid(request, {"version": [_("Send the version you read.")]})
    form = _facility_form(request, payload, instance=facility)
    return run(
        request,
        form,
        lambda d: services.update_facility(
            request.auth, facility, version=d["version"], **form.values()
        ),
        lambda saved: _saved(request, saved),
    )


class RoomsIn(Schema):
    building: str | None = Field(None, description="The building's name. Required.")
    floor_from: int | None = None
    floor_to: int | None = None
    room_from: int | None = None
    room_to: int | None = None
    beds_per_room: int | None = Field(None, description="1..50.")
    prefix: str | None = Field("", description="Room name prefix; default floor + number.")


class RoomsOut(Schema):
    beds_added: int
    facility: FacilityOut


@router.post(
    "/facilities/{int:facility_id}/rooms",
    operation_id="vigil_api_quarantine_facility_rooms",
    response={200: RoomsOut, **ERRORS},
    summary="Add rooms and beds to a facility",
    description=(
        '"Building A, floors 1–6, rooms 01–40, 4 beds each" in one go; existing rooms and '
        "beds are kept. 404 outside the caller's scope."
    ),
    url_name="quarantine_facility_rooms",
    openapi_extra=body_doc(
        RoomsIn,
        {
            "building": "A",
            "floor_from": 1,
            "floor_to": 2,
            "room_from": 1,
            "room_to": 10,
            "beds_per_room": 4,
        },
    ),  # fmt: skip
)
@api_requires(ADD_ROOMS)
def facility_rooms(request, facility_id: int = FACILITY_PATH):
    facility = _facility(request, facility_id)
    data = read_body(request, RoomsIn).model_dump()
    form = QuickRoomsForm({k: "" if v is None else v for k, v in data.items()})
    return run(
        request,
        form,
        lambda _d: services.add_rooms(request.auth, facility, **form.arguments()),
        lambda added: {"beds_added": added, "facility": _saved(request, facility)},
    )


# The board ----------------------------------------------------------------


class BoardRowOut(FiguresOut):
    facility_id: int
    facility_name: str


class BoardSumOut(FiguresOut):
    label: str
    count: int = Field(..., description="How many facilities are summed.")


class BoardOut(Schema):
    days: list[datetime.date]
    rows: list[BoardRowOut]
    by_district: list[BoardSumOut] = Field(..., description="Only with several districts.")
    total: BoardSumOut


def _sum_out(total):
    return {**_figures(total), "label": str(total["label"]), "count": total["count"]}


@router.get(
    "/board",
    operation_id="vigil_api_quarantine_board",
    response={200: BoardOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="The facility board",
    description=(
        f"What /quarantine/board/ shows (R-Q4): per facility in scope, beds, occupancy, "
        f"who is due, and arrivals and discharges of the last {board.BOARD_DAYS} days; summed "
        "per district and for the whole scope. Filters `district_id`, `kind`."
    ),
    url_name="quarantine_board",
)
@api_requires(READ_QUARANTINE)
def facility_board(
    request, district_id: int | None = DISTRICT_QUERY, kind: str | None = KIND_QUERY
):
    form = BoardFilterForm({"district": district_id or "", "kind": kind or ""}, user=request.auth)
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    figures = board.build_board(request.auth, form, _("Total"))
    return {
        "days": figures["days"],
        "rows": [
            {**_figures(r), "facility_id": r["facility"].pk, "facility_name": r["facility"].name}
            for r in figures["rows"]
        ],
        "by_district": [_sum_out(t) for t in figures["by_district"]],
        "total": _sum_out(figures["total"]),
    }
