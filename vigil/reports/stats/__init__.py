"""Statistics of arrivals (R-S1, R-S2, R-P3): counts grouped in SQL, drillable.

Every number starts from `Declaration.objects.visible_to(user)`, is narrowed by
`StatsFilterForm` (the declaration list's own filters plus one parameter for
each dimension that list lacks) and is counted by one GROUP BY. Rows are then
named and ordered in Python on the grouped result, which holds tens or
hundreds of groups, never one row per declaration.

Each number carries the query string of the list it stands for: the same
filters plus the row's and the column's value. A number opens the declaration
list (`/declarations/`) when the list's form understands every parameter, our
own people list (`/reports/stats/people/`, same form plus the extra
dimensions) otherwise, or the next level of the table when the row is a unit
with units below it (province → district → commune). Following a number shows
exactly that many declarations.

A unit named in the URL outside the viewer's jurisdiction makes the form
invalid, and an invalid form counts nothing: the table is empty, never wider.

One module per part: filters (the form, what to count, the links), dimensions
(the ways to group), tables (the statistics table), paper (the share of paper)
and dashboard. The names below are what the views, the exports, the benchmarks
and the tests use from here.
"""

from .dashboard import DASHBOARD_DAYS, Dashboard, build_dashboard, dashboard_query
from .dimensions import (
    COLUMN_DIMENSIONS,
    RISK_COLOURS,
    ROW_DIMENSIONS,
    VEHICLE_ROWS,
    AreaDimension,
    ChannelDimension,
    ChoiceDimension,
    ColourDimension,
    Context,
    DateDimension,
    DepartureDimension,
    Dimension,
    KindDimension,
    MedicalDimension,
    SurveillanceDimension,
    TransportDimension,
    VehicleDimension,
    VerificationDimension,
    choice_dimension,
)
from .filters import (
    HOME_COUNTRY,
    NO,
    NONE,
    TALLY_FILTERS,
    UNSPECIFIED,
    YES,
    StatsFilterForm,
    Unspecified,
    carried,
    counted,
    counting_base,
    list_url,
    merge,
    stats_url,
)
from .paper import PaperRow, paper_ranking
from .tables import Cell, Row, Table, build_table, table_unit

__all__ = [
    "COLUMN_DIMENSIONS",
    "DASHBOARD_DAYS",
    "HOME_COUNTRY",
    "NO",
    "NONE",
    "RISK_COLOURS",
    "ROW_DIMENSIONS",
    "TALLY_FILTERS",
    "UNSPECIFIED",
    "VEHICLE_ROWS",
    "YES",
    "AreaDimension",
    "Cell",
    "ChannelDimension",
    "ChoiceDimension",
    "ColourDimension",
    "Context",
    "Dashboard",
    "DateDimension",
    "DepartureDimension",
    "Dimension",
    "KindDimension",
    "MedicalDimension",
    "PaperRow",
    "Row",
    "StatsFilterForm",
    "SurveillanceDimension",
    "Table",
    "TransportDimension",
    "Unspecified",
    "VehicleDimension",
    "VerificationDimension",
    "build_dashboard",
    "build_table",
    "carried",
    "choice_dimension",
    "counted",
    "counting_base",
    "dashboard_query",
    "list_url",
    "merge",
    "paper_ranking",
    "stats_url",
    "table_unit",
]
