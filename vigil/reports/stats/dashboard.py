"""The leaders' dashboard: arrivals by day, colour and verification, the
queues waiting now, the quarantine beds and the share of paper."""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import MedicalState, RiskColour, VerificationState

# This very package: `counting_base` is looked up on it at call time, so that
# replacing `vigil.reports.stats.counting_base` reaches the dashboard too.
from vigil.reports import stats
from vigil.reports.models import DeclarationTally

from .dimensions import RISK_COLOURS
from .filters import NO, StatsFilterForm, _filter_tested, carried, counted, list_url, merge
from .paper import paper_ranking
from .tables import Cell

# The dashboard ------------------------------------------------------------------------


DASHBOARD_DAYS = 30


def dashboard_query(query):
    """The dashboard's filters: the last DASHBOARD_DAYS days by arrival date
    unless the URL chooses dates."""
    query = query.copy()
    if not query.get("date_from") and not query.get("date_to"):
        today = timezone.localdate()
        start = today - datetime.timedelta(days=DASHBOARD_DAYS - 1)
        query["date_from"] = start.strftime("%d/%m/%Y")
        query["date_to"] = today.strftime("%d/%m/%Y")
        query.setdefault("date_on", DeclarationFilterForm.ARRIVAL)
    return query


@dataclass
class Dashboard:
    form: StatsFilterForm
    total: Cell = None
    days: list = field(default_factory=list)  # [(date, Cell)]
    colours: list = field(default_factory=list)  # [(key, label, colour, Cell)]
    verification: list = field(default_factory=list)  # [(key, label, Cell)]
    queues: dict = field(default_factory=dict)
    quarantine: dict = field(default_factory=dict)
    paper: list = field(default_factory=list)

    def charts(self):
        return {
            "days": {
                "type": "line",
                "labels": [day.strftime("%d/%m") for day, _cell in self.days],
                "datasets": [
                    {"label": str(_("Arrivals")), "data": [c.value for _d, c in self.days]}
                ],
            },
            "colours": {
                "type": "doughnut",
                "labels": [str(label) for _k, label, _c, _cell in self.colours],
                "datasets": [
                    {
                        "label": str(_("Risk colour")),
                        "data": [cell.value for *_rest, cell in self.colours],
                        "backgroundColor": [colour for _k, _l, colour, _cell in self.colours],
                    }
                ],
            },
            "verification": {
                "type": "bar",
                "horizontal": True,
                "labels": [str(label) for _k, label, _cell in self.verification],
                "datasets": [
                    {
                        "label": str(_("Verification")),
                        "data": [cell.value for _k, _l, cell in self.verification],
                    }
                ],
            },
        }


def build_dashboard(user, query):
    """Everything on the leaders' dashboard, for `user`'s jurisdiction, in about
    nine queries whatever the number of declarations. The counts come from the
    declaration tally (`vigil.reports.tally`) unless a filter needs the
    declarations themselves."""
    query = dashboard_query(query)
    form = StatsFilterForm(query, user=user)
    board = Dashboard(form=form)
    base = carried(query)
    if not form.is_valid():
        board.total = Cell(0, None)
        return board
    scoped = stats.counting_base(user, form)
    period = form.filter_qs(scoped).order_by()
    untested = _add_period_counts(board, form, period, base)
    board.queues = _queues(scoped, period, base, untested)
    board.quarantine = _quarantine(user)
    board.paper = paper_ranking(user, query, limit=10, form=form)
    return board


def _add_period_counts(board, form, period, base):
    """The total, the chart by day and the breakdowns by colour and by
    verification state: one GROUP BY. Counted on the tally, the same GROUP BY
    also splits by "tested" and returns the people without a test in the
    period (one pass over the period's rows instead of two); else None."""
    data = form.cleaned_data
    on = data.get("date_on") or DeclarationFilterForm.CREATED
    day_expr = F("arrival_date") if on == DeclarationFilterForm.ARRIVAL else TruncDate("created_at")
    by_day, by_colour, by_state = Counter(), Counter(), Counter()
    groups = {"day": day_expr, "colour": F("risk_colour"), "state": F("verification_state")}
    on_tally = period.model is DeclarationTally
    if on_tally:
        groups["has_test"] = F("tested")
    untested = 0 if on_tally else None
    for item in period.values(**groups).annotate(n=counted(period)):
        by_day[item["day"]] += item["n"]
        by_colour[item["colour"]] += item["n"]
        by_state[item["state"]] += item["n"]
        if on_tally and not item["has_test"]:
            untested += item["n"]
    board.total = Cell(sum(by_day.values()), list_url(base))
    start, end = data.get("date_from"), data.get("date_to")
    days = sorted(by_day)
    if start and end and (end - start).days <= 400:
        days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
    for day in days:
        stamp = day.strftime("%d/%m/%Y")
        change = {"date_on": on, "date_from": stamp, "date_to": stamp}
        board.days.append((day, Cell(by_day.get(day, 0), list_url(merge(base, change)))))
    board.colours = [
        (value, label, RISK_COLOURS[value],
         Cell(by_colour.get(value, 0), list_url(merge(base, {"colour": value}))))
        for value, label in RiskColour.choices
    ]  # fmt: skip
    board.verification = [
        (value, label,
         Cell(by_state.get(value, 0), list_url(merge(base, {"verification": value}))))
        for value, label in VerificationState.choices
    ]  # fmt: skip
    return untested


def _queues(scoped, period, base, untested=None):
    """Waiting now, whatever the period: an index on each state narrows the scan."""
    pending_v = {"verification_state": VerificationState.PENDING}
    pending_m = {"medical_state": MedicalState.PENDING}
    waiting = (
        scoped.filter(Q(**pending_v) | Q(**pending_m))
        .order_by()
        .aggregate(verification=counted(scoped, **pending_v), medical=counted(scoped, **pending_m))
    )
    if untested is None:
        untested = _filter_tested(period, tested=False).aggregate(n=counted(period))["n"]
    return {
        "verification": Cell(
            waiting["verification"],
            list_url({"verification": VerificationState.PENDING}),
        ),
        "medical": Cell(waiting["medical"], list_url({"medical": MedicalState.PENDING})),
        "untested": Cell(untested, list_url(merge(base, {"tested": NO}))),
    }


def _quarantine(user):
    """People staying in quarantine now, and the beds of the user's facilities."""
    from vigil.quarantine.models import Bed, Facility, Stay

    facilities = Facility.objects.visible_to(user).filter(active=True)
    open_bed = Stay.objects.filter(bed=OuterRef("pk"), end_date__isnull=True)
    beds = Bed.objects.filter(active=True, room__building__facility__in=facilities).aggregate(
        total=Count("pk"), occupied=Count("pk", filter=Exists(open_bed))
    )
    return {
        "staying": Cell(Stay.objects.visible_to(user).open().count(), None),
        "beds": Cell(beds["total"], None),
        "free": Cell(beds["total"] - beds["occupied"], None),
    }
