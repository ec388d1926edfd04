"""The share of paper (R-P3): the communes where paper is still used, and for
each of them why paper was used and how late it was digitised (§II.12)."""

from dataclasses import dataclass, field

from django.db.models import Count, DurationField, ExpressionWrapper, F, Min
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import Channel, Declaration, PaperReason

# This very package: `counting_base` is looked up on it at call time, so that
# replacing `vigil.reports.stats.counting_base` reaches the ranking too.
from vigil.reports import stats

from .filters import StatsFilterForm, carried, counted, list_url, merge
from .tables import Cell

# Why paper was used, in the order of the table's columns: the reasons, then
# the paper forms typed without one (the list's filter value NOT_RECORDED).
NOT_RECORDED = DeclarationFilterForm.NOT_RECORDED
REASONS = [(value, label) for value, label in PaperReason.choices]
REASONS.append((NOT_RECORDED, _("Not recorded")))

# Share of paper (R-P3) --------------------------------------------------------------


@dataclass
class PaperDelay:
    """Days from the date written on a commune's paper forms to their
    digitisation (the local day the declaration was recorded)."""

    forms: Cell  # the paper forms with a date: what the median is taken over
    median: float
    worst: int
    worst_url: str  # the form digitised the latest after its date


@dataclass
class PaperRow:
    unit: object
    paper: Cell
    total: Cell
    # Filled when `paper_ranking(details=True)`: (label, Cell) per REASONS, and
    # the delay (None when no paper form of the commune has a date).
    reasons: list = field(default_factory=list)
    delay: PaperDelay | None = None

    @property
    def share(self):
        return self.paper.value / self.total.value if self.total.value else 0.0

    @property
    def percent(self):
        return round(100 * self.share, 1)


def paper_ranking(user, query, limit=None, form=None, details=False):
    """Communes where paper is still used, by share of paper among their
    declarations, largest first (R-P3: paper where online was possible is a
    violation). One GROUP BY and one query for the communes' names; with
    `details`, the reasons and the delays of the communes listed (§II.12)."""
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
    rows = rows[:limit] if limit else rows
    if details and rows:
        _add_details(user, form, base, rows)
    return rows


# Why paper, and how late (§II.12) ----------------------------------------------------

# Days from the paper form's date to the local day it was recorded.
DELAY = ExpressionWrapper(
    TruncDate("created_at") - F("paper_form_date"), output_field=DurationField()
)


def _add_details(user, form, base, rows):
    """Fill `rows`' reasons and delays from one GROUP BY over the paper forms of
    the listed communes (the page's filters applied): by commune, reason and
    delay, with the count and one form of each group. The median is taken from
    the count of forms per delay, in Python: the same answer (percentile_cont's)
    on PostgreSQL and SQLite."""
    papers = (
        form.filter_qs(Declaration.objects.visible_to(user), skip=("channel",))
        .filter(channel=Channel.PAPER, area_id__in=[row.unit.pk for row in rows])
        .annotate(delay=DELAY)
        .order_by()
        .values("area_id", "paper_reason", "delay")
        .annotate(n=Count("pk"), first=Min("pk"))
    )
    by_reason, histograms, worst = {}, {}, {}
    for g in papers:
        area = g["area_id"]
        key = (area, g["paper_reason"] or NOT_RECORDED)
        by_reason[key] = by_reason.get(key, 0) + g["n"]
        if g["delay"] is None:
            continue  # no date on the paper form
        days = g["delay"].days
        counts = histograms.setdefault(area, {})
        counts[days] = counts.get(days, 0) + g["n"]
        # The form digitised the latest: the first recorded of the longest delay.
        worst[area] = min(worst.get(area, (-days, g["first"])), (-days, g["first"]))
    for row in rows:
        pk = row.unit.pk
        paper = merge(base, {"commune": pk, "channel": Channel.PAPER})
        links = {value: list_url(merge(paper, {"paper_reason": value})) for value, _l in REASONS}
        row.reasons = [
            (label, Cell(by_reason.get((pk, value), 0), links[value])) for value, label in REASONS
        ]
        if pk in histograms:
            counts = histograms[pk]
            row.delay = PaperDelay(
                forms=Cell(sum(counts.values()), list_url(paper)),
                median=median(counts),
                worst=-worst[pk][0],
                worst_url=reverse("declarations:detail", args=[worst[pk][1]]),
            )


def median(counts):
    """The median of values given as {value: how many}: the middle value, or
    the mean of the two middle ones (PostgreSQL's percentile_cont(0.5))."""
    n = sum(counts.values())
    wanted = [(n - 1) // 2, n // 2]  # 0-based positions of the middle value(s)
    found = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / 2
