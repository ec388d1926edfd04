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
"""

import abc
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate, Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.scope import scope_path
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import (
    Channel,
    Declaration,
    MedicalState,
    RegistrationKind,
    RiskColour,
    Surveillance,
    Transport,
    VerificationState,
)
from vigil.testing.models import TestResult

from .models import DeclarationTally

# The URL value of an empty dimension ("no village given", "no flight number").
NONE = "-"
YES, NO = "yes", "no"
HOME_COUNTRY = "VN"
# A flight / vehicle table lists the largest groups only: every car has its
# own plate, and a table of a million plates helps nobody.
VEHICLE_ROWS = 200
RISK_COLOURS = {
    RiskColour.GREEN: "#198754",
    RiskColour.YELLOW: "#ffc107",
    RiskColour.ORANGE: "#fd7e14",
    RiskColour.RED: "#dc3545",
}


class Unspecified:
    """The cleaned value of a dimension parameter set to NONE."""

    def __str__(self):
        return str(_("not given"))


UNSPECIFIED = Unspecified()


def _all(choices):
    return [("", _("All")), *choices]


class StatsFilterForm(DeclarationFilterForm):
    """The declaration list's filters, plus one parameter per dimension of the
    statistics that the list does not filter on. Values outside the viewer's
    jurisdiction make the form invalid (and the counts empty)."""

    village = forms.CharField(
        label=_("Village / residential group"), required=False, widget=forms.HiddenInput
    )
    departure = forms.CharField(
        label=_("Departure place"), required=False, widget=forms.HiddenInput
    )
    transport = forms.ChoiceField(
        label=_("Means of transport"), required=False, choices=_all(Transport.choices)
    )
    vehicle = forms.CharField(
        label=_("Plate or flight number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    colour = forms.ChoiceField(
        label=_("Risk colour"), required=False, choices=_all(RiskColour.choices)
    )
    verification = forms.ChoiceField(
        label=_("Verification"), required=False, choices=_all(VerificationState.choices)
    )
    medical = forms.ChoiceField(
        label=_("Medical verification"),
        required=False,
        choices=_all(MedicalState.choices),
        widget=forms.HiddenInput,
    )
    surveillance = forms.ChoiceField(
        label=_("Surveillance type"),
        required=False,
        choices=[*_all(Surveillance.choices), (NONE, _("Not set"))],
    )
    tested = forms.ChoiceField(
        label=_("Tested"),
        required=False,
        choices=_all([(YES, _("Tested at least once")), (NO, _("Never tested"))]),
        widget=forms.HiddenInput,
    )

    # Parameters the declaration list itself understands.
    LIST_PARAMS = frozenset(DeclarationFilterForm.base_fields)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.scope = scope_path(user)

    def clean_village(self):
        value = self.cleaned_data.get("village", "").strip()
        if not value:
            return None
        if value == NONE:
            return UNSPECIFIED
        unit = None
        if value.isdigit() and self.scope:
            unit = (
                AdminUnit.objects.active_tree()
                .filter(level=Level.VILLAGE, path__startswith=self.scope, pk=value)
                .first()
            )
        if unit is None:
            raise forms.ValidationError(_("Unknown village or outside your jurisdiction."))
        return unit

    def clean_departure(self):
        value = self.cleaned_data.get("departure", "").strip()
        if not value:
            return None
        if value == NONE:
            return UNSPECIFIED
        found = None
        if value.isdigit():
            found = AdminUnit.objects.active_tree().filter(level=Level.PROVINCE, pk=value).first()
        elif value.isalpha():
            found = Country.objects.filter(code=value.upper()).first()
        if found is None:
            raise forms.ValidationError(_("Unknown departure place."))
        return found

    def clean_vehicle(self):
        value = self.cleaned_data.get("vehicle", "").strip()
        return UNSPECIFIED if value == NONE else value

    def filter_qs(self, qs, skip=()):
        qs = super().filter_qs(qs, skip)
        if not self.is_valid():
            return qs
        data = {k: v for k, v in self.cleaned_data.items() if k not in skip}
        village = data.get("village")
        if village is UNSPECIFIED:
            qs = qs.filter(village__isnull=True)
        elif village:
            qs = qs.filter(village=village)
        departure = data.get("departure")
        if departure is UNSPECIFIED:
            qs = qs.filter(departure_country_id=HOME_COUNTRY, departure_unit__isnull=True)
        elif isinstance(departure, Country):
            qs = qs.filter(departure_country=departure)
        elif departure:
            qs = qs.filter(
                departure_country_id=HOME_COUNTRY,
                departure_unit__tree=departure.tree,
                departure_unit__path__startswith=departure.path,
            )
        for name, column in (
            ("transport", "transport"),
            ("colour", "risk_colour"),
            ("verification", "verification_state"),
            ("medical", "medical_state"),
        ):
            if data.get(name):
                qs = qs.filter(**{column: data[name]})
        if data.get("surveillance"):
            value = data["surveillance"]
            qs = qs.filter(surveillance="" if value == NONE else value)
        if data.get("tested"):
            qs = _filter_tested(qs, data["tested"] == YES)
        vehicle = data.get("vehicle")
        if vehicle is UNSPECIFIED:
            qs = qs.filter(transport_number="")
        elif vehicle:
            # Case-insensitive, like the grouping (Upper) of the flight table.
            qs = qs.filter(transport_number__iexact=vehicle)
        return qs


def _filter_tested(qs, tested):
    """The person has at least one test result on record (anywhere: the
    count behind the dashboard cannot know the viewer), or has none."""
    if qs.model is DeclarationTally:
        return qs.filter(tested=tested)
    results = Exists(TestResult.objects.filter(person=OuterRef("person_id")))
    return qs.filter(results if tested else ~results)


def counting_base(user, form):
    """What to count for `form`, in `user`'s scope: the declaration tally when
    it can answer the form's filters (place, arrival date, channel, colour,
    states, tested), else the declarations themselves. Both answer the same
    `filter_qs` and `counted`."""
    declarations = Declaration.objects.visible_to(user)
    if getattr(user, "facility_id", None) or not form.is_valid():
        return declarations  # a facility's own people: not in the tally's terms
    data = form.cleaned_data
    used = {name for name, value in data.items() if value not in (None, "")}
    dated = data.get("date_from") or data.get("date_to")
    if used - TALLY_FILTERS or (dated and data.get("date_on") != DeclarationFilterForm.ARRIVAL):
        return declarations
    return DeclarationTally.objects.visible_to(user)


# Filters the tally can answer (its columns, see vigil.reports.models).
TALLY_FILTERS = frozenset(
    ("date_on", "date_from", "date_to", "district", "commune", "channel", "colour",
     "verification", "medical", "tested")
)  # fmt: skip


def counted(qs, **where):
    """COUNT(*) over declarations, SUM(n) over the tally; `where` narrows."""
    condition = Q(**where) if where else None
    if qs.model is DeclarationTally:
        return Coalesce(Sum("n", filter=condition), 0)
    return Count("pk", filter=condition)


# Links --------------------------------------------------------------------------


def carried(query, form_class=StatsFilterForm):
    """The filters of `query` that a number's link carries over (non-empty only)."""
    return {name: query.get(name) for name in form_class.base_fields if query.get(name)}


def merge(base, *changes):
    """`base` with each change applied; a value of None removes the parameter."""
    out = dict(base)
    for change in changes:
        for key, value in (change or {}).items():
            if value is None or value == "":
                out.pop(key, None)
            else:
                out[key] = str(value)
    return out


def list_url(params):
    """The list of the declarations behind a number: the declaration list when it
    understands every parameter, the statistics' people list otherwise."""
    route = (
        "declarations:list"
        if set(params) <= StatsFilterForm.LIST_PARAMS
        else "reports:stats-people"
    )
    return _url(route, params)


def stats_url(params, route="reports:stats"):
    return _url(route, params)


def _url(route, params):
    path = reverse(route)
    return f"{path}?{urlencode(params)}" if params else path


# Dimensions -----------------------------------------------------------------------


@dataclass
class Context:
    user: object
    form: StatsFilterForm
    base: dict
    unit: object = None  # the unit the table is about (the area rows are below it)


class Dimension(abc.ABC):
    """One way to group declarations; used as rows or as columns.

    `alias` prefixes the names of the grouped values, so that the row and the
    column dimension never collide in `values()`.
    """

    key = ""
    label = ""

    def __init__(self, ctx, alias):
        self.ctx = ctx
        self.alias = alias

    def prepare(self):  # noqa: B027  (optional hook; most dimensions need nothing)
        """Anything to read before counting (queries allowed)."""

    def group(self):
        """{name: expression} to GROUP BY."""
        return {}

    def restrict(self, qs, column):
        """(queryset to group, grouped items or None to group normally)."""
        return qs, None

    def resolve(self, items):  # noqa: B027  (optional hook)
        """Anything to look up from the grouped items (queries allowed)."""

    @abc.abstractmethod
    def key_of(self, item):
        """The key of one grouped row."""

    @abc.abstractmethod
    def entries(self, counts, seen):
        """[(key, label)] in display order; `counts` {key: total}."""

    @abc.abstractmethod
    def params(self, key):
        """The list parameters selecting `key` (None: no list for it)."""

    def drills(self, key):
        """True when a number of `key` opens the next level of the table."""
        return False

    def name_url(self, key):
        return None

    def colour(self, key):
        return None


class ChoiceDimension(Dimension):
    """A column with choices: every choice is a row (zero included)."""

    column = ""
    param = ""
    choices = ()
    blank_label = None

    def group(self):
        return {self.alias: F(self.column)}

    def key_of(self, item):
        return item[self.alias] or NONE

    def entries(self, counts, seen):
        out = [(value, label) for value, label in self.choices]
        if NONE in seen:
            out.append((NONE, self.blank_label or _("not given")))
        known = {value for value, _label in out}
        # A value no longer among the choices still counts, under its code.
        out += [(value, value) for value in sorted(seen - known, key=str)]
        return out

    def params(self, key):
        return {self.param: key}


def choice_dimension(key, label, column, param, choices, blank_label=None):
    attrs = {
        "key": key,
        "label": label,
        "column": column,
        "param": param,
        "choices": choices,
        "blank_label": blank_label,
    }
    return type(f"{key.title()}Dimension", (ChoiceDimension,), attrs)


ChannelDimension = choice_dimension("channel", _("Channel"), "channel", "channel", Channel.choices)
KindDimension = choice_dimension(
    "kind", _("Registration kind"), "registration_kind", "kind", RegistrationKind.choices
)
VerificationDimension = choice_dimension(
    "verification",
    _("Verification"),
    "verification_state",
    "verification",
    VerificationState.choices,
)
MedicalDimension = choice_dimension(
    "medical", _("Medical verification"), "medical_state", "medical", MedicalState.choices
)
SurveillanceDimension = choice_dimension(
    "surveillance",
    _("Surveillance type"),
    "surveillance",
    "surveillance",
    Surveillance.choices,
    _("Not set"),
)
TransportDimension = choice_dimension(
    "transport", _("Means of transport"), "transport", "transport", Transport.choices
)


_ColourChoices = choice_dimension(
    "colour", _("Risk colour"), "risk_colour", "colour", RiskColour.choices
)


class ColourDimension(_ColourChoices):
    def colour(self, key):
        return RISK_COLOURS.get(key)


class AreaDimension(Dimension):
    """The units directly below the table's unit: districts of a province,
    communes of a district, villages of a commune (R-S1, R-S2).

    Declarations are grouped by `area_path`, the very column the lists and
    the jurisdiction filter on by prefix, and each path is mapped in Python to
    the child unit it lies under: the grouped result holds one row per commune
    or village, and PostgreSQL answers from the small, deduplicated index on
    `area_path` alone (an index-only scan), without reading the table. A
    declaration exactly at the unit (a commune's, with no village given) is
    the row NONE. A unit without units below it is one row.
    """

    key = "area"
    label = _("Area")

    def prepare(self):
        unit = self.ctx.unit
        self.children = []
        if unit is not None:
            below = AdminUnit.objects.filter(parent=OuterRef("pk"))
            self.children = list(
                AdminUnit.objects.filter(parent=unit)
                .annotate(has_children=Exists(below))
                .order_by("path")
            )
        self.by_pk = {child.pk: child for child in self.children}
        self.by_path = {child.path: child.pk for child in self.children}
        self.level = self.children[0].level if self.children else None

    def group(self):
        return {self.alias: F("area_path")} if self.children else {}

    def key_of(self, item):
        unit = self.ctx.unit
        if not self.children:
            return unit.pk if unit else NONE
        path = item[self.alias]
        code = path[len(unit.path) :].split("/", 1)[0] if path.startswith(unit.path) else ""
        return self.by_path.get(f"{unit.path}{code}/", NONE) if code else NONE

    def entries(self, counts, seen):
        if not self.children:
            return [(self.ctx.unit.pk, self.ctx.unit.name)] if self.ctx.unit else []
        out = [(child.pk, child.name) for child in self.children]
        if NONE in seen:
            out.append(
                (NONE, _("No village given") if self.level == Level.VILLAGE else _("Elsewhere"))
            )
        return out

    def params(self, key):
        if not self.children:
            return {}
        if key == NONE:
            return {"village": NONE} if self.level == Level.VILLAGE else None
        child = self.by_pk[key]
        if child.level == Level.VILLAGE:
            return {"village": child.pk}
        if child.level == Level.COMMUNE:
            return {"commune": child.pk, "village": None}
        return {"district": child.pk, "commune": None, "village": None}

    def drills(self, key):
        child = self.by_pk.get(key)
        return bool(child and child.level < Level.COMMUNE and child.has_children)

    def name_url(self, key):
        """A unit's name opens its own table (the villages of a commune)."""
        child = self.by_pk.get(key)
        if child is None or not child.has_children:
            return None
        return self.params(key)


class DepartureDimension(Dimension):
    """Departure province (Vietnam) or country (abroad): "Thống kê người từ điểm
    khởi hành". Grouped by country and departure unit, mapped to provinces."""

    key = "departure"
    label = _("Departure place")

    def group(self):
        return {
            f"{self.alias}0": F("departure_country_id"),
            f"{self.alias}1": F("departure_unit_id"),
        }

    def resolve(self, items):
        unit_ids = {item[f"{self.alias}1"] for item in items} - {None}
        if len(unit_ids) > 500:
            # Thousands of departure communes: reading the tree's ~11,000 units
            # is faster than binding thousands of ids in an IN list.
            every = AdminUnit.objects.active_tree().exclude(level=Level.VILLAGE)
            units = [u for u in every.values_list("pk", "tree", "path") if u[0] in unit_ids]
            unit_ids -= {u[0] for u in units}
        else:
            units = []
        if unit_ids:
            units += AdminUnit.objects.filter(pk__in=unit_ids).values_list("pk", "tree", "path")
        self.province_of = {}
        wanted = {}
        for pk, tree, path in units:
            key = (tree, path.split("/")[0] + "/")
            wanted[key] = None
            self.province_of[pk] = key
        provinces = {}
        if wanted:
            trees = {tree for tree, _path in wanted}
            paths = {path for _tree, path in wanted}
            for unit in AdminUnit.objects.filter(
                tree__in=trees, path__in=paths, level=Level.PROVINCE
            ):
                provinces[(unit.tree, unit.path)] = unit
        self.province_of = {pk: provinces.get(key) for pk, key in self.province_of.items()}
        codes = {item[f"{self.alias}0"] for item in items} - {HOME_COUNTRY}
        self.countries = {c.code: c for c in Country.objects.filter(code__in=codes)}
        self.labels = {}

    def key_of(self, item):
        country, unit = item[f"{self.alias}0"], item[f"{self.alias}1"]
        if country != HOME_COUNTRY:
            found = self.countries.get(country)
            self.labels[country] = found.name if found else country
            return country
        province = self.province_of.get(unit) if unit else None
        if province is None:
            return NONE
        self.labels[province.pk] = province.name
        return province.pk

    def entries(self, counts, seen):
        keys = sorted(seen, key=lambda k: (-counts.get(k, 0), str(self.labels.get(k, ""))))
        return [(k, self.labels.get(k, _("not given"))) for k in keys]

    def params(self, key):
        return {"departure": key}


class VehicleDimension(Dimension):
    """Flight, train, coach or car by its number: "Tổng hợp người theo chuyến
    bay". The largest VEHICLE_ROWS groups, numbers compared without case."""

    key = "vehicle"
    label = _("Flight / vehicle")
    truncated = False

    def group(self):
        return {f"{self.alias}0": F("transport"), f"{self.alias}1": Upper("transport_number")}

    def restrict(self, qs, column):
        names = list(self.group())
        top = list(
            qs.values(**self.group())
            .annotate(n=Count("*"))
            .order_by("-n", *names)[: VEHICLE_ROWS + 1]
        )
        self.truncated = len(top) > VEHICLE_ROWS
        top = top[:VEHICLE_ROWS]
        self.top = {(item[names[0]], item[names[1]]) for item in top}
        if column is None:
            return qs, top
        numbers = {number for _transport, number in self.top}
        return qs.alias(_number=Upper("transport_number")).filter(_number__in=numbers), None

    def key_of(self, item):
        key = (item[f"{self.alias}0"], item[f"{self.alias}1"])
        return key if key in self.top else None

    def entries(self, counts, seen):
        keys = sorted(seen, key=lambda k: (-counts.get(k, 0), k))
        labels = dict(Transport.choices)
        return [(k, f"{k[1] or _('(no number)')} · {labels.get(k[0], k[0])}") for k in keys]

    def params(self, key):
        transport, number = key
        return {"transport": transport, "vehicle": number or NONE}


class DateDimension(Dimension):
    """Day of declaration (local date) or of arrival, as the filter's "Date of"."""

    key = "date"
    label = _("Date")

    def prepare(self):
        on = self.ctx.form.cleaned_data.get("date_on")
        self.on = on or DeclarationFilterForm.CREATED

    def group(self):
        if self.on == DeclarationFilterForm.ARRIVAL:
            return {self.alias: F("arrival_date")}
        return {self.alias: TruncDate("created_at")}

    def key_of(self, item):
        return item[self.alias]

    def entries(self, counts, seen):
        days = sorted(seen)
        if days and (days[-1] - days[0]).days <= 400:
            # Days without arrivals are rows too: a gap is information.
            first = days[0]
            days = [first + datetime.timedelta(days=n) for n in range((days[-1] - first).days + 1)]
        return [(day, day.strftime("%d/%m/%Y")) for day in days]

    def params(self, key):
        day = key.strftime("%d/%m/%Y")
        return {"date_on": self.on, "date_from": day, "date_to": day}


ROW_DIMENSIONS = {
    cls.key: cls
    for cls in (
        AreaDimension,
        DepartureDimension,
        VehicleDimension,
        DateDimension,
        ChannelDimension,
        ColourDimension,
        VerificationDimension,
        MedicalDimension,
        SurveillanceDimension,
        KindDimension,
        TransportDimension,
    )
}
COLUMN_DIMENSIONS = {
    cls.key: cls
    for cls in (
        ChannelDimension,
        ColourDimension,
        VerificationDimension,
        MedicalDimension,
        SurveillanceDimension,
        KindDimension,
        TransportDimension,
    )
}


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
    for dimension in (row, column):
        if dimension is not None:
            dimension.prepare()

    qs = form.filter_qs(Declaration.objects.visible_to(user)).order_by()
    qs, items = row.restrict(qs, column)
    if items is None:
        group = {**row.group(), **(column.group() if column else {})}
        # No grouping at all: a unit without units below it is a single row.
        items = list(qs.values(**group).annotate(n=Count("*"))) if group else [{"n": qs.count()}]
    for dimension in (row, column):
        if dimension is not None:
            dimension.resolve(items)

    counts = defaultdict(Counter)
    for item in items:
        key = row.key_of(item)
        if key is not None:
            counts[key][column.key_of(item) if column else None] += item["n"]
    row_totals = {key: sum(c.values()) for key, c in counts.items()}
    seen_columns = {ck for c in counts.values() for ck in c}
    if column is not None:
        table.columns = [
            (key, label, column.colour(key)) for key, label in column.entries({}, seen_columns)
        ]

    drill_extra = {"rows": rows if rows != "area" else None, "cols": cols or None}
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

    table.truncated = getattr(row, "truncated", False)
    if table.truncated:
        # The shown rows are not all: the totals come from the whole selection.
        whole = Counter()
        group = column.group() if column else {}
        full = form.filter_qs(Declaration.objects.visible_to(user)).order_by()
        if group:
            for item in full.values(**group).annotate(n=Count("*")):
                whole[column.key_of(item)] += item["n"]
        else:
            whole[None] = full.count()
    else:
        whole = Counter()
        for c in counts.values():
            whole.update(c)
    table.totals = [
        Cell(whole.get(ck, 0), list_url(merge(ctx.base, column.params(ck))))
        for ck, _label, _colour in table.columns
    ]
    table.total = Cell(sum(whole.values()), list_url(ctx.base))
    return table


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
    qs = form.filter_qs(counting_base(user, form), skip=("channel",)).order_by()
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
    from vigil.quarantine.models import Bed, Facility, Stay

    query = dashboard_query(query)
    form = StatsFilterForm(query, user=user)
    board = Dashboard(form=form)
    base = carried(query)
    if not form.is_valid():
        board.total = Cell(0, None)
        return board
    scoped = counting_base(user, form)
    period = form.filter_qs(scoped).order_by()
    data = form.cleaned_data
    on = data.get("date_on") or DeclarationFilterForm.CREATED

    # One GROUP BY for the chart by day and the two breakdowns.
    day_expr = F("arrival_date") if on == DeclarationFilterForm.ARRIVAL else TruncDate("created_at")
    by_day, by_colour, by_state = Counter(), Counter(), Counter()
    for item in period.values(
        day=day_expr, colour=F("risk_colour"), state=F("verification_state")
    ).annotate(n=counted(period)):
        by_day[item["day"]] += item["n"]
        by_colour[item["colour"]] += item["n"]
        by_state[item["state"]] += item["n"]
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

    # Waiting now, whatever the period: an index on each state narrows the scan.
    pending_v = {"verification_state": VerificationState.PENDING}
    pending_m = {"medical_state": MedicalState.PENDING}
    waiting = (
        scoped.filter(Q(**pending_v) | Q(**pending_m))
        .order_by()
        .aggregate(verification=counted(scoped, **pending_v), medical=counted(scoped, **pending_m))
    )
    untested = _filter_tested(period, tested=False).aggregate(n=counted(period))["n"]
    board.queues = {
        "verification": Cell(
            waiting["verification"],
            list_url({"verification": VerificationState.PENDING}),
        ),
        "medical": Cell(waiting["medical"], list_url({"medical": MedicalState.PENDING})),
        "untested": Cell(untested, list_url(merge(base, {"tested": NO}))),
    }

    facilities = Facility.objects.visible_to(user).filter(active=True)
    open_bed = Stay.objects.filter(bed=OuterRef("pk"), end_date__isnull=True)
    beds = Bed.objects.filter(active=True, room__building__facility__in=facilities).aggregate(
        total=Count("pk"), occupied=Count("pk", filter=Exists(open_bed))
    )
    board.quarantine = {
        "staying": Cell(Stay.objects.visible_to(user).open().count(), None),
        "beds": Cell(beds["total"], None),
        "free": Cell(beds["total"] - beds["occupied"], None),
    }
    board.paper = paper_ranking(user, query, limit=10, form=form)
    return board
