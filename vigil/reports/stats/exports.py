"""The statistics' people list as an export (R-S3): the declarations behind a
number, with the filters of the declaration list plus the statistics' own
dimensions. Headers are Vietnamese literals, like every export."""

from vigil.core.permissions import READ_STATISTICS

from ..exports import Column, ExportSpec, register
from ..registry import declaration_columns, describe
from .filters import StatsFilterForm


def build_stats_people(user, query):
    from vigil.declarations.models import Declaration

    form = StatsFilterForm(query, user=user)
    qs = form.filter_qs(Declaration.objects.visible_to(user)).select_related(
        "person", "area", "village", "departure_unit"
    )
    return qs, describe(form)


def stats_people_columns():
    columns = declaration_columns()
    at = next(n for n, c in enumerate(columns) if c.header == "Phường/xã đến")
    columns.insert(at, Column("Thôn/tổ dân phố", source="village__name"))
    return columns


STATS_PEOPLE = register(
    ExportSpec(
        key="stats_people",
        title="Danh sách người về theo thống kê",
        capability=READ_STATISTICS,
        build=build_stats_people,
        columns=stats_people_columns(),
    )
)
