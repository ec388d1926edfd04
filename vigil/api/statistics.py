"""Statistics through the API (R-S1, R-S2, R-P3, R-N5): the drillable table,
the share of paper per commune and the leaders' dashboard, read-only.

Every figure comes from vigil.reports.stats (`build_table`, `paper_ranking`,
`build_dashboard`), which counts `Declaration.objects.visible_to(user)`: the
numbers are the pages' numbers for the same account. The query parameters
are the pages' own (/reports/stats/…): `date_on`, `date_from`, `date_to`
(dd/mm/yyyy), `district`, `commune` (unit ids) and the other filters of the
statistics form; a unit outside the caller's jurisdiction answers 422 with
the form's messages, never wider numbers. Each number carries `list`, the web
list of the declarations it counts.
"""

import datetime

from ninja import Field, Query, Router, Schema

from vigil.api.common import ErrorOut, invalid, one_of
from vigil.core.permissions import READ_STATISTICS, api_requires
from vigil.reports import stats

router = Router(tags=["statistics"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
FILTERS_TEXT = (
    " Filters: the query parameters of the statistics pages (`date_on`, `date_from`, "
    "`date_to` as dd/mm/yyyy, `district`, `commune`, `colour`, `channel`, …); a unit "
    "outside the caller's jurisdiction answers 422."
)
ROWS = [(key, str(cls.label)) for key, cls in stats.ROW_DIMENSIONS.items()]
COLUMNS = [(key, str(cls.label)) for key, cls in stats.COLUMN_DIMENSIONS.items()]


class NumberOut(Schema):
    value: int
    list: str | None = Field(..., description="The web list of what it counts.")


def number(cell):
    return {"value": cell.value, "list": cell.url}


def _form_errors(request, form):
    return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})


# The table ----------------------------------------------------------------


class ColumnOut(Schema):
    key: str
    label: str


class RowOut(Schema):
    key: str
    label: str
    total: NumberOut
    cells: list[NumberOut] = Field(..., description="One per column, in `columns` order.")
    drills: bool = Field(..., description="The row's numbers open the next level.")


class TableOut(Schema):
    rows_by: str
    cols_by: str
    unit_code: str | None = Field(..., description="The unit the table is about.")
    columns: list[ColumnOut]
    rows: list[RowOut]
    totals: list[NumberOut]
    total: NumberOut
    truncated: bool = Field(..., description="Only the largest groups are listed.")


def _table_out(table):
    return {
        "rows_by": table.rows_by,
        "cols_by": table.cols_by,
        "unit_code": table.unit.code if table.unit is not None else None,
        "columns": [{"key": str(key), "label": str(label)} for key, label, _c in table.columns],
        "rows": [
            {
                "key": str(row.key),
                "label": str(row.label),
                "total": number(row.total),
                "cells": [number(cell) for cell in row.cells],
                "drills": row.drills,
            }
            for row in table.rows
        ],
        "totals": [number(cell) for cell in table.totals],
        "total": number(table.total),
        "truncated": table.truncated,
    }


@router.get(
    "/table",
    operation_id="vigil_api_statistics_table",
    response={200: TableOut, **ERRORS},
    summary="The statistics table",
    description=(
        '"Thống kê người theo cấp huyện / xã", "… từ điểm khởi hành", "Tổng hợp người theo '
        'chuyến bay" (R-S1, R-S2): declarations counted by `rows` and, optionally, by '
        "`cols`. With `rows=vehicle`, flights unless `transport` says otherwise." + FILTERS_TEXT
    ),
    url_name="statistics_table",
)
@api_requires(READ_STATISTICS)
def table(
    request,
    rows: str = Query("area", description=one_of(ROWS), example="area"),
    cols: str = Query("", description="Empty: totals only. " + one_of(COLUMNS), example=""),
):
    query = request.GET.copy()
    if rows == "vehicle" and "transport" not in query:
        query["transport"] = "plane"
    built = stats.build_table(request.auth, query, rows=rows, cols=cols)
    if built.invalid:
        return _form_errors(request, built.form)
    return _table_out(built)


# The share of paper -------------------------------------------------------


class PaperOut(Schema):
    commune_code: str
    commune_name: str
    district_name: str | None
    paper: NumberOut
    total: NumberOut
    percent: float


@router.get(
    "/paper",
    operation_id="vigil_api_statistics_paper",
    response={200: list[PaperOut], **ERRORS},
    summary="The share of paper declarations per commune",
    description="R-P3: the communes that still use paper, largest share first." + FILTERS_TEXT,
    url_name="statistics_paper",
)
@api_requires(READ_STATISTICS)
def paper(request):
    form = stats.StatsFilterForm(request.GET, user=request.auth)
    if not form.is_valid():
        return _form_errors(request, form)
    return paper_rows(stats.paper_ranking(request.auth, request.GET, form=form))


# The dashboard ------------------------------------------------------------


class DayOut(Schema):
    day: datetime.date
    arrivals: NumberOut


class KeyedOut(Schema):
    key: str
    label: str
    count: NumberOut


class DashboardOut(Schema):
    total: NumberOut
    days: list[DayOut]
    colours: list[KeyedOut]
    verification: list[KeyedOut]
    queues: dict[str, NumberOut] = Field(
        ..., description="Waiting now: `verification`, `medical`; `untested` in the period."
    )
    quarantine: dict[str, NumberOut] = Field(..., description="`staying`, `beds`, `free`.")
    paper: list[PaperOut] = Field(..., description="The ten communes using paper most.")


@router.get(
    "/dashboard",
    operation_id="vigil_api_statistics_dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="The leaders' dashboard",
    description=(
        f"The figures of /reports/dashboard/: by default the last {stats.DASHBOARD_DAYS} "
        "days by arrival date." + FILTERS_TEXT
    ),
    url_name="statistics_dashboard",
)
@api_requires(READ_STATISTICS)
def dashboard(request):
    board = stats.build_dashboard(request.auth, request.GET)
    if not board.form.is_valid():
        return _form_errors(request, board.form)
    return {
        "total": number(board.total),
        "days": [{"day": day, "arrivals": number(cell)} for day, cell in board.days],
        "colours": [_keyed(key, label, cell) for key, label, _c, cell in board.colours],
        "verification": [_keyed(key, label, cell) for key, label, cell in board.verification],
        "queues": {key: number(cell) for key, cell in board.queues.items()},
        "quarantine": {key: number(cell) for key, cell in board.quarantine.items()},
        "paper": paper_rows(board.paper),
    }


def _keyed(key, label, cell):
    return {"key": str(key), "label": str(label), "count": number(cell)}


def paper_rows(rows):
    return [
        {
            "commune_code": row.unit.code,
            "commune_name": row.unit.name,
            "district_name": row.unit.parent.name if row.unit.parent_id else None,
            "paper": number(row.paper),
            "total": number(row.total),
            "percent": row.percent,
        }
        for row in rows
    ]
