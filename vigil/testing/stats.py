"""The test statistics' figures (R-T3): by sample date, by commune, by type
and result. Read by the statistics page and the API alike."""

import datetime

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from vigil.areas.models import AdminUnit, Level

from .models import TestOutcome, TestType


def figures(results, start, end):
    """Every figure of the page for `results` (already scoped and filtered)."""
    results = results.order_by()
    return {
        "totals": results.aggregate(**by_outcome()),
        "by_day": by_day(results, start, end),
        "by_commune": by_commune(results),
        "by_type": by_type(results),
        "by_checkpoint": list(
            results.exclude(checkpoint="")
            .values("checkpoint")
            .annotate(**by_outcome())
            .order_by("-total", "checkpoint")[:50]
        ),
    }


def by_outcome():
    return {
        "total": Count("pk"),
        **{o.value: Count("pk", filter=Q(result=o.value)) for o in TestOutcome},
    }


def by_day(results, start, end):
    counts = {
        row["sample_date"]: row for row in results.values("sample_date").annotate(**by_outcome())
    }
    top = max((row["total"] for row in counts.values()), default=0)
    days = []
    day = end
    while day >= start:
        row = counts.get(day, {})
        days.append((day, row.get("total", 0), row.get(TestOutcome.POSITIVE, 0)))
        day -= datetime.timedelta(days=1)
    return {"days": days, "top": top}


def by_commune(results):
    """Rows grouped by area path in SQL, then folded into their communes (a
    person may live in a village: its counts go to the village's commune)."""
    rows = list(results.values("area_path").annotate(**by_outcome()))
    units = {
        u.path: u
        for u in AdminUnit.objects.active_tree()
        .filter(path__in=[r["area_path"] for r in rows])
        .select_related("parent")
    }
    keys = ("total", *TestOutcome.values)
    communes = {}
    for row in rows:
        unit = units.get(row["area_path"])
        if unit is not None and unit.level == Level.VILLAGE:
            unit = unit.parent
        key = unit.path if unit else ""
        entry = communes.setdefault(
            key, {"name": unit.name if unit else _("Unknown area"), **dict.fromkeys(keys, 0)}
        )
        for name in keys:
            entry[name] += row[name]
    return [communes[key] for key in sorted(communes)]


def by_type(results):
    counts = {
        (row["test_type"], row["result"]): row["n"]
        for row in results.values("test_type", "result").annotate(n=Count("pk"))
    }
    table = []
    for value, label in TestType.choices:
        cells = [counts.get((value, outcome), 0) for outcome in TestOutcome.values]
        table.append((label, cells, sum(cells)))
    return table
