"""The investigation statistics (issue 13): the figures of
/investigation/stats/, from vigil.investigation.stats, in the caller's scope."""

import datetime

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema

from vigil.api.common import READ_ERRORS, ErrorOut, error
from vigil.api.investigation import router
from vigil.core.permissions import READ_CASES, READ_MONITORING, api_requires, may
from vigil.investigation import stats

MAX_DAYS = 400
UNIT_QUERY = Query(None, description="A unit in the caller's scope.", example=474)
FROM_QUERY = Query(None, description="First day of the curve.", example="2021-05-01")
TO_QUERY = Query(None, description="Last day of the curve.", example="2021-05-30")


class LevelsOut(Schema):
    f0: int
    f1: int
    f2: int
    f3_plus: int = Field(..., description="F3 and below (F4, F5, ...).")


class AreaOut(Schema):
    unit_id: int | None = Field(..., description="Null: detected outside the unit.")
    name: str
    levels: LevelsOut
    unknown: int = Field(..., description="Contacts with no confirmed case above them.")
    total: int


class DayOut(Schema):
    day: datetime.date
    cases: int


class ContactsOut(Schema):
    cases: int = Field(..., description="Confirmed cases in scope.")
    contacts: int = Field(..., description="Their direct contacts (source links).")
    mean: float | None
    distribution: dict[str, int] = Field(
        ..., description="Confirmed cases by number of contacts: 0, 1-5, 6-20, 21+."
    )


class ReachedOut(Schema):
    hours: int
    total: int = Field(..., description="Contacts in scope.")
    reached: int = Field(
        ...,
        description="Investigation date on or before the day of (recorded + `hours`).",
    )
    share: int | None = Field(..., description="Percent; null without contacts.")


class MonitoringOut(Schema):
    active: int
    completed: int
    lost: int
    completion: int | None = Field(..., description="completed / (completed + lost), percent.")


class StatsOut(Schema):
    unit_id: int
    areas: list[AreaOut]
    totals: LevelsOut
    total: int
    curve: list[DayOut]
    contacts_per_case: ContactsOut
    reached: ReachedOut
    monitoring: MonitoringOut | None = Field(
        ..., description="Null unless the caller may read the monitoring."
    )


def _levels(cells):
    return dict(zip(("f0", "f1", "f2", "f3_plus"), (c.value for c in cells), strict=True))


@router.get(
    "/stats",
    operation_id="vigil_api_investigation_stats",
    response={200: StatsOut, 422: ErrorOut, **READ_ERRORS},
    summary="Statistics of the investigation",
    description=(
        "What /investigation/stats/ shows: F0/F1/F2/F3+ per district or commune of "
        "`unit_id` (default: the caller's jurisdiction; by place of detection), new "
        f"confirmed cases per day from `date_from` to `date_to` (default the last "
        f"{stats.CURVE_DAYS} days, at most {MAX_DAYS}), contacts per confirmed case, "
        "contacts reached in time and the monitoring completion."
    ),
    url_name="investigation_stats",
)
@api_requires(READ_CASES)
def investigation_stats(
    request,
    unit_id: int | None = UNIT_QUERY,
    date_from: datetime.date | None = FROM_QUERY,
    date_to: datetime.date | None = TO_QUERY,
):
    user = request.auth
    unit = stats.table_unit(user, unit_id)
    if unit is None:
        raise Http404
    start, end = stats.default_range()
    start, end = date_from or start, date_to or end
    if start > end:
        message = _("The end date is before the start date.")
        return error(request, 422, "invalid", message, {"date_to": [message]})
    if (end - start).days >= MAX_DAYS:
        message = _("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS}
        return error(request, 422, "invalid", message, {"date_from": [message]})
    table = stats.by_area(user, unit)
    contacts = stats.contacts_per_case(user)
    return {
        "unit_id": unit.pk,
        "areas": [
            {
                "unit_id": None if row.key == stats.OUTSIDE else row.key,
                "name": str(row.name),
                "levels": _levels(row.cells),
                "unknown": row.unknown,
                "total": row.total.value,
            }
            for row in table.rows
        ],
        "totals": _levels(table.totals),
        "total": table.total.value,
        "curve": [
            {"day": day, "cases": cell.value}
            for day, cell in stats.epidemic_curve(user, start, end)
        ],
        "contacts_per_case": {
            **contacts,
            "distribution": {key: n for key, _label, n in contacts["buckets"]},
        },
        "reached": stats.contacts_reached(user),
        "monitoring": (stats.monitoring_figures(user) if may(user, READ_MONITORING) else None),
    }
