"""The police view and the guest statistics through the API (R-A2, issue 14):
the figures and the drill-down table of /lodging/police/, and those of
/lodging/stats/, from vigil.lodging.police and vigil.lodging.stats, in the
caller's scope."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from vigil.api.common import READ_ERRORS, ErrorOut, error
from vigil.api.lodging import router
from vigil.core.permissions import POLICE_VIEW, READ_STATISTICS, api_requires
from vigil.lodging import police, stats

UNIT_QUERY = Query(None, description="A unit in the caller's scope.", example=474)
FROM_QUERY = Query(None, description="First day of the period.", example="2021-05-01")
TO_QUERY = Query(None, description="Last day of the period.", example="2021-05-30")


class FiguresOut(Schema):
    establishments_with_guests: int = Field(..., description="Establishments with guests tonight.")
    guests: int = Field(..., description="Guests in house (checked in, not checked out).")
    undeclared: int = Field(..., description="Guests in house without a health declaration.")
    red: int
    orange: int
    idle: int = Field(..., description="Open establishments with no guest for `idle_days`.")
    twice: int = Field(..., description="Guest stays whose guest is in house elsewhere too.")
    idle_days: int


class PoliceRowOut(Schema):
    id: int = Field(..., description="The unit's or the establishment's id.")
    name: str
    is_establishment: bool
    establishments: int = Field(..., description="Open establishments.")
    with_guests: int
    guests: int
    undeclared: int
    red: int
    orange: int
    idle: int


class PoliceOut(Schema):
    unit_id: int
    figures: FiguresOut
    rows: list[PoliceRowOut]
    total: PoliceRowOut


def _row(row):
    return {
        "id": row.key,
        "name": str(row.name),
        "is_establishment": row.is_establishment,
        "establishments": row.establishments,
        "with_guests": row.with_guests,
        **{k: getattr(row, k).value for k in ("guests", "undeclared", "red", "orange", "idle")},
    }


@router.get(
    "/police",
    operation_id="vigil_api_lodging_police",
    response={200: PoliceOut, **READ_ERRORS},
    summary="The police view of the establishments",
    description=(
        "What /lodging/police/ shows for `unit_id` (default: the caller's jurisdiction): "
        "guests tonight, without a health declaration, flagged red or orange, idle "
        "establishments, guests in two establishments tonight; and a row per district, "
        "commune or (below a commune) establishment."
    ),
    url_name="lodging_police",
)
@api_requires(POLICE_VIEW)
def police_figures(request, unit_id: int | None = UNIT_QUERY):
    user = request.auth
    unit = police.table_unit(user, unit_id)
    if unit is None:
        raise Http404
    table = police.by_area(user, unit)
    f = police.figures(user, unit, table)
    return {
        "unit_id": unit.pk,
        "figures": {
            "establishments_with_guests": f.establishments.value,
            **{k: getattr(f, k).value for k in ("guests", "undeclared", "red", "orange")},
            "idle": f.idle.value,
            "twice": f.twice.value,
            "idle_days": f.days,
        },
        "rows": [_row(row) for row in table.rows],
        "total": _row(table.total),
    }


class StatsRowOut(Schema):
    id: int | str = Field(..., description="Unit or establishment id, or the kind.")
    name: str
    guests_per_night: float
    guest_nights: int
    arrivals: int
    declared: int = Field(..., description="Arrivals whose stay has a declaration.")
    declared_share: int | None = Field(..., description="Percent; null without arrivals.")


class NightOut(Schema):
    day: datetime.date
    guests: int


class CountryOut(Schema):
    nationality: str = Field(..., description="The nationality recorded at check-in.")
    arrivals: int


class StatsOut(Schema):
    unit_id: int
    date_from: datetime.date
    date_to: datetime.date
    rows: list[StatsRowOut]
    kinds: list[StatsRowOut]
    total: StatsRowOut
    nights: list[NightOut]
    foreign: list[CountryOut]


def _stats_row(row):
    return {
        "id": row.key,
        "name": str(row.name),
        "guests_per_night": row.per_night,
        "guest_nights": row.nights,
        "arrivals": row.arrivals,
        "declared": row.declared,
        "declared_share": row.share,
    }


@router.get(
    "/stats",
    operation_id="vigil_api_lodging_stats",
    response={200: StatsOut, 422: ErrorOut, **READ_ERRORS},
    summary="Statistics of the guests",
    description=(
        "What /lodging/stats/ shows: guests per night, guest-nights, arrivals and the "
        "share with a declaration per district, commune or establishment below `unit_id` "
        "and per establishment kind, guests per night, and foreign guests by "
        f"nationality, from `date_from` to `date_to` (default the last "
        f"{stats.DEFAULT_DAYS} days, at most {stats.MAX_DAYS})."
    ),
    url_name="lodging_stats",
)
@api_requires(READ_STATISTICS)
def guest_stats(
    request,
    unit_id: int | None = UNIT_QUERY,
    date_from: datetime.date | None = FROM_QUERY,
    date_to: datetime.date | None = TO_QUERY,
):
    user = request.auth
    unit = police.table_unit(user, unit_id)
    if unit is None:
        raise Http404
    start, end = stats.default_range()
    start, end = date_from or start, date_to or end
    if start > end:
        message = _("The end date is before the start date.")
        return error(request, 422, "invalid", message, {"date_to": [message]})
    if (end - start).days >= stats.MAX_DAYS:
        message = _("Choose a period of at most %(days)s days.") % {"days": stats.MAX_DAYS}
        return error(request, 422, "invalid", message, {"date_from": [message]})
    table = stats.guest_table(user, unit, start, end)
    return {
        "unit_id": unit.pk,
        "date_from": start,
        "date_to": end,
        "rows": [_stats_row(r) for r in table.rows],
        "kinds": [_stats_row(r) for r in table.kinds],
        "total": _stats_row(table.total),
        "nights": [{"day": d, "guests": n} for d, n in stats.per_night(user, unit, start, end)],
        "foreign": [
            {"nationality": c, "arrivals": n}
            for c, n in stats.foreign_by_country(user, unit, start, end)
        ],
    }
