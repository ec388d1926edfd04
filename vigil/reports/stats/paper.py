"""The share of paper (R-P3): the communes where paper is still used."""

from dataclasses import dataclass

from vigil.areas.models import AdminUnit
from vigil.declarations.models import Channel

# This very package: `counting_base` is looked up on it at call time, so that
# replacing `vigil.reports.stats.counting_base` reaches the ranking too.
from vigil.reports import stats

from .filters import StatsFilterForm, carried, counted, list_url, merge
from .tables import Cell

# Share of paper (R-P3) --------------------------------------------------------------


@dataclass
class PaperRow:
    unit: object
    paper: Cell
    total: Cell

    @property
    def share(self):
        return self.paper.value / self.total.value if self.total.value else 0.0

    @property
    def percent(self):
        return round(100 * self.share, 1)


def paper_ranking(user, query, limit=None, form=None):
    """Communes where paper is still used, by share of paper among their
    declarations, largest first (R-P3: paper where online was possible is a
    violation). One GROUP BY and one query for the communes' names."""
    form = form or StatsFilterForm(query, user=user)
    if not form.is_valid():
        return []
    qs = form.filter_qs(stats.counting_base(user, form), skip=("channel",)).order_by()
    groups = [
        g
        for g in qs.values("area_id").annotate(
            total=counted(qs), paper=counted(qs, channel=Channel.PAPER)
        )
        if g["paper"] > 0
    ]
    units = AdminUnit.objects.filter(pk__in=[g["area_id"] for g in groups]).select_related("parent")
    units = {u.pk: u for u in units}
    base = merge(carried(query), {"channel": None, "village": None})
    rows = []
    for g in groups:
        unit = units[g["area_id"]]
        where = merge(base, {"commune": unit.pk})
        rows.append(
            PaperRow(
                unit=unit,
                paper=Cell(g["paper"], list_url(merge(where, {"channel": Channel.PAPER}))),
                total=Cell(g["total"], list_url(where)),
            )
        )
    rows.sort(key=lambda r: (-r.share, -r.paper.value, r.unit.path))
    return rows[:limit] if limit else rows
