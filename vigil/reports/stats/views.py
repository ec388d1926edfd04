"""Statistics pages (R-S1, R-S2, R-P3): the drillable table, the people behind a
number, the share of paper per commune and the leaders' dashboard.

Every page reads `Declaration.objects.visible_to(request.user)` through
`vigil.reports.stats`; nothing here counts rows itself.
"""

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from vigil.core.db_router import parallel_aggregates, reads_replica
from vigil.core.menu import worklists_for
from vigil.core.permissions import (
    POLICE_VIEW,
    READ_CASES,
    READ_GUESTS,
    READ_STATISTICS,
    may,
    requires,
)
from vigil.declarations.models import Declaration
from vigil.investigation import stats as investigation
from vigil.lodging import stats as lodging

from .. import stats, tally
from ..registry import describe
from . import exports as stats_exports

PAGE_SIZE = 50
# Shown in the "More filters" part of the table's form; the others are above.
MAIN_FIELDS = ("date_on", "date_from", "date_to", "district", "commune")


class TableForm(forms.Form):
    """What the table groups by (not a filter: links never carry it to a list)."""

    rows = forms.ChoiceField(
        label=_("Rows"),
        required=False,
        choices=[(key, cls.label) for key, cls in stats.ROW_DIMENSIONS.items()],
    )
    cols = forms.ChoiceField(
        label=_("Columns"),
        required=False,
        choices=[
            ("", _("Total only")),
            *((key, cls.label) for key, cls in stats.COLUMN_DIMENSIONS.items()),
        ],
    )


def _filter_layout(form, main_fields=MAIN_FIELDS):
    """The form's fields in three groups: always shown, under "More filters",
    and hidden (kept only when set, so that a link's filters survive)."""
    shown = [*main_fields, *(f.name for f in form.visible_fields() if f.name != "q")]
    main = [form[name] for name in main_fields if not form[name].is_hidden]
    more = [form[name] for name in shown if name not in main_fields and not form[name].is_hidden]
    hidden = [f for f in form if f.name not in shown and f.value()]
    hidden += [f for f in form if f.name in shown and f.is_hidden and f.value()]
    opened = any(f.value() for f in more)
    return {"main_fields": main, "more_fields": more, "hidden_fields": hidden, "more_open": opened}


TITLES = {
    "area": _("Statistics of arrivals by area"),
    "departure": _("Statistics of arrivals by departure place"),
    "vehicle": _("Arrivals by flight and vehicle"),
}


@require_GET
@requires(READ_STATISTICS)
@reads_replica
@parallel_aggregates
def stats_table(request, rows="area"):
    """ "Thống kê người theo cấp huyện / xã / phường thị trấn", "... từ điểm
    khởi hành", "Tổng hợp người theo chuyến bay": one table, grouped as asked."""
    rows = request.GET.get("rows") or rows
    cols = request.GET.get("cols", "")
    query = request.GET
    if rows == "vehicle" and "transport" not in query:
        # "Tổng hợp người theo chuyến bay": flights unless another means is
        # chosen (cars' plates are nearly all different: no use grouping them).
        query = query.copy()
        query["transport"] = "plane"
    table = stats.build_table(request.user, query, rows=rows, cols=cols)
    chart = table.chart() if table.rows and len(table.rows) <= 60 and table.total.value else None
    return render(
        request,
        "reports/stats/table.html",
        {
            "table": table,
            "title": TITLES.get(table.rows_by, _("Statistics of arrivals")),
            "table_form": TableForm(initial={"rows": table.rows_by, "cols": table.cols_by}),
            "chart": chart,
            "current": table.rows_by if table.rows_by in TITLES else "area",
            **_filter_layout(table.form),
        },
    )


@require_GET
@requires(READ_STATISTICS)
@reads_replica
@parallel_aggregates
def stats_people(request):
    """The declarations behind a number whose dimension the declaration list
    does not filter on (village, departure place, flight, risk colour...)."""
    form = stats.StatsFilterForm(request.GET, user=request.user)
    rows = form.filter_qs(Declaration.objects.visible_to(request.user)).select_related(
        "person", "area", "village"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/stats/people.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "filters": describe(form),
            "list_key": stats_exports.STATS_PEOPLE.key,
            "current": "",
            **_filter_layout(form, ("q", *MAIN_FIELDS)),
        },
    )


@require_GET
@requires(READ_STATISTICS)
@reads_replica
@parallel_aggregates
def paper_share(request):
    """R-P3: the communes that still use paper, largest share first."""
    form = stats.StatsFilterForm(request.GET, user=request.user)
    form.fields["channel"].widget = forms.HiddenInput()
    return render(
        request,
        "reports/stats/paper.html",
        {
            "form": form,
            "rows": stats.paper_ranking(request.user, request.GET, form=form, details=True),
            "invalid": not form.is_valid(),
            "current": "paper",
            **_filter_layout(form),
        },
    )


@require_GET
@requires(READ_STATISTICS)
@reads_replica
@parallel_aggregates
def dashboard(request):
    board = stats.build_dashboard(request.user, request.GET)
    tally.schedule_compaction()
    return render(
        request,
        "reports/stats/dashboard.html",
        {
            "board": board,
            # The hand-offs waiting now (R-H1), whatever the period chosen.
            "worklists": worklists_for(request.user),
            "form": board.form,
            "charts": board.charts(),
            # F0/F1/F2/F3+ and the new cases (issue 13), for whoever reads cases.
            "investigation": (
                investigation.dashboard_figures(request.user)
                if may(request.user, READ_CASES)
                else None
            ),
            # Guests tonight, undeclared, red/orange (issue 14), for whoever reads guests.
            "lodging": (
                lodging.dashboard_figures(request.user) if may(request.user, READ_GUESTS) else None
            ),
            "lodging_police": may(request.user, POLICE_VIEW),
            "current": "dashboard",
            **_filter_layout(board.form),
        },
    )
