"""The statistics table (R-S1, R-S2): one GROUP BY by the row and the column
dimension, each number with the link to the declarations behind it."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import Level
from vigil.core.scope import scope_path
from vigil.declarations.models import Declaration
from vigil.reports import rollups, stats  # stats: looked up at call time, see dashboard.py
from vigil.reports.models import DeclarationTally

from .dimensions import COLUMN_DIMENSIONS, ROW_DIMENSIONS, Context, Dimension
from .filters import StatsFilterForm, carried, counted, list_url, merge, stats_url

# The table ------------------------------------------------------------------------


@dataclass
class Cell:
    value: int
    url: str | None


@dataclass
class Row:
    key: object
    label: str
    total: Cell
    cells: list
    name_url: str | None = None
    drills: bool = False


@dataclass
class Table:
    rows_by: str
    cols_by: str
    form: StatsFilterForm
    unit: object = None
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # [(key, label, colour)]
    totals: list = field(default_factory=list)  # [Cell] per column
    total: Cell = None
    crumbs: list = field(default_factory=list)  # [(unit, url)]
    invalid: bool = False
    truncated: bool = False

    @property
    def row_label(self):
        return ROW_DIMENSIONS[self.rows_by].label

    def chart(self):
        """Chart.js data for charts.js (a bar per row, stacked by column)."""
        labels = [str(row.label) for row in self.rows]
        if self.columns:
            datasets = [
                {
                    "label": str(label),
                    "data": [row.cells[n].value for row in self.rows],
                    **({"backgroundColor": colour} if colour else {}),
                }
                for n, (_key, label, colour) in enumerate(self.columns)
            ]
        else:
            datasets = [{"label": str(_("Total")), "data": [r.total.value for r in self.rows]}]
        return {
            "type": "bar",
            "stacked": bool(self.columns),
            "labels": labels,
            "datasets": datasets,
        }


def table_unit(user, form):
    """The unit a table is about: the commune or district filtered on, else the
    viewer's jurisdiction."""
    data = form.cleaned_data
    return data.get("commune") or data.get("district") or getattr(user, "jurisdiction", None)


def _tally_groups(row, group):
    """True when the declaration tally can be grouped as `group` asks: plain
    columns it has (place, arrival day, channel, colour, states), and a row
    dimension that groups normally (not the largest flights first)."""
    columns = {f.name for f in DeclarationTally._meta.get_fields()}
    return type(row).restrict is Dimension.restrict and all(
        isinstance(expression, F) and expression.name in columns for expression in group.values()
    )


def build_table(user, query, rows="area", cols=""):
    """The statistics table of `query` (a QueryDict or dict of strings) for `user`.

    Queries: the form's (2-4), the area's units and the breadcrumb (1-2), one
    GROUP BY (two for flights with columns, plus the totals when the flights
    are truncated), and for departure places their units and countries (2-3).
    """
    rows = rows if rows in ROW_DIMENSIONS else "area"
    cols = cols if cols in COLUMN_DIMENSIONS and cols != rows else ""
    form = StatsFilterForm(query, user=user)
    table = Table(rows_by=rows, cols_by=cols, form=form)
    if not form.is_valid():
        table.invalid = True
        table.total = Cell(0, None)
        return table
    ctx = Context(user=user, form=form, base=carried(query))
    ctx.unit = table.unit = table_unit(user, form)
    table.crumbs = _crumbs(user, ctx.unit, ctx.base, rows, cols)
    row = ROW_DIMENSIONS[rows](ctx, "r")
    column = COLUMN_DIMENSIONS[cols](ctx, "c") if cols else None
    dimensions = [d for d in (row, column) if d is not None]
    for dimension in dimensions:
        dimension.prepare()
    rolled = row.use_rollup(user, form) if column is None else None
    if rolled is not None:
        rollups.schedule_compaction(rolled.model)
    items = _grouped_counts(user, form, row, column, rolled)
    for dimension in dimensions:
        dimension.resolve(items)
    counts = _cross_tabulate(items, row, column)
    if column is not None:
        seen_columns = {ck for c in counts.values() for ck in c}
        table.columns = [
            (key, label, column.colour(key)) for key, label in column.entries({}, seen_columns)
        ]
    drill_extra = {"rows": rows if rows != "area" else None, "cols": cols or None}
    _add_rows(table, ctx, row, column, counts, drill_extra)
    table.truncated = getattr(row, "truncated", False)
    whole = _column_totals(user, form, column, counts, table.truncated, rolled)
    table.totals = [
        Cell(whole.get(ck, 0), list_url(merge(ctx.base, column.params(ck))))
        for ck, _label, _colour in table.columns
    ]
    table.total = Cell(sum(whole.values()), list_url(ctx.base))
    return table


def _grouped_counts(user, form, row, column, rolled=None):
    """[{group values..., "n": count}, ...]: the one GROUP BY of the table, over
    the row dimension's rollup `rolled` when it has one for the form."""
    group = {**row.group(), **(column.group() if column else {})}
    base = rolled if rolled is not None else stats.counting_base(user, form)
    if base.model is DeclarationTally and not _tally_groups(row, group):
        base = Declaration.objects.visible_to(user)
    qs = form.filter_qs(base).order_by()
    qs, items = row.restrict(qs, column)
    if items is not None:
        return items
    if not group:
        # No grouping at all: a unit without units below it is a single row.
        return [qs.aggregate(n=counted(qs))]
    return list(qs.values(**group).annotate(n=counted(qs)))


def _cross_tabulate(items, row, column):
    """{row key: Counter({column key (None without columns): count})}."""
    counts = defaultdict(Counter)
    for item in items:
        key = row.key_of(item)
        if key is not None:
            counts[key][column.key_of(item) if column else None] += item["n"]
    return counts


def _add_rows(table, ctx, row, column, counts, drill_extra):
    """table.rows: each row's total and cells, linked to the declarations behind
    them (or, for a row that drills down, to the table of the units below)."""
    row_totals = {key: sum(c.values()) for key, c in counts.items()}
    for key, label in row.entries(row_totals, set(counts)):
        change = row.params(key)
        by_column = counts.get(key, Counter())
        drills = row.drills(key)

        def link(extra, change=change, drills=drills):
            if change is None:
                return None
            params = merge(ctx.base, change, extra)
            return stats_url(merge(params, drill_extra)) if drills else list_url(params)

        name_change = row.name_url(key)
        table.rows.append(
            Row(
                key=key,
                label=label,
                total=Cell(row_totals.get(key, 0), link({})),
                cells=[
                    Cell(by_column.get(ck, 0), link(column.params(ck)))
                    for ck, _label, _colour in table.columns
                ],
                name_url=stats_url(merge(ctx.base, name_change, drill_extra))
                if name_change
                else None,
                drills=drills,
            )
        )


def _column_totals(user, form, column, counts, truncated, rolled=None):
    """Counter({column key: total}) of the whole selection (from the rollup
    `rolled` when the rows came from it: then there are no columns)."""
    whole = Counter()
    if not truncated:
        for c in counts.values():
            whole.update(c)
        return whole
    # The shown rows are not all: the totals come from the whole selection.
    if rolled is not None:
        whole[None] = form.filter_qs(rolled).order_by().aggregate(n=counted(rolled))["n"]
        return whole
    group = column.group() if column else {}
    full = form.filter_qs(Declaration.objects.visible_to(user)).order_by()
    if group:
        for item in full.values(**group).annotate(n=Count("*")):
            whole[column.key_of(item)] += item["n"]
    else:
        whole[None] = full.count()
    return whole


def _crumbs(user, unit, base, rows, cols):
    """[(unit, url)] from the viewer's jurisdiction down to `unit`."""
    top = scope_path(user)
    if unit is None or top is None:
        return []
    chain = [unit] if unit.path == top else [*unit.ancestors(), unit]
    extra = {"rows": rows if rows != "area" else None, "cols": cols or None}
    cleared = {"district": None, "commune": None, "village": None}
    out = []
    for u in chain:
        if not u.path.startswith(top):
            continue
        change = {}
        if u.path != top:
            change = {"district": u.pk} if u.level == Level.DISTRICT else {"commune": u.pk}
        out.append((u, stats_url(merge(base, cleared, change, extra))))
    return out
