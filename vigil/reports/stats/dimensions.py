"""The dimensions of the statistics: the ways to group declarations, as the
rows or the columns of a table (area, departure place, flight / vehicle, date
and each state with choices)."""

import abc
import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef
from django.db.models.functions import TruncDate, Upper
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Country, Level
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import (
    Channel,
    MedicalState,
    RegistrationKind,
    RiskColour,
    Surveillance,
    Transport,
    VerificationState,
)

from ..models import DepartureTally, DepartureTotal, VehicleTally, VehicleTotal
from ..rollups import ROLLED_TRANSPORTS
from .filters import HOME_COUNTRY, NONE, ROLLUP_FILTERS, StatsFilterForm, counted, rollup_base

# A flight / vehicle table lists the largest groups only: every car has its
# own plate, and a table of a million plates helps nobody.
VEHICLE_ROWS = 200
RISK_COLOURS = {
    RiskColour.GREEN: "#198754",
    RiskColour.YELLOW: "#ffc107",
    RiskColour.ORANGE: "#fd7e14",
    RiskColour.RED: "#dc3545",
}


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

    def use_rollup(self, user, form):
        """As rows without columns: a rollup (vigil.reports.rollups) in `user`'s
        scope that counts this dimension for the form's filters, from then on
        grouped by its columns; None to count as `counting_base` says."""
        return None

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
    rolled = False

    def use_rollup(self, user, form):
        base = rollup_base(user, form, (DepartureTotal, DepartureTally), ROLLUP_FILTERS)
        self.rolled = base is not None
        return base

    def group(self):
        if self.rolled:  # the departure unit's province, already mapped
            return {
                f"{self.alias}0": F("departure_country"),
                f"{self.alias}1": F("departure_province"),
            }
        return {
            f"{self.alias}0": F("departure_country_id"),
            f"{self.alias}1": F("departure_unit_id"),
        }

    def resolve(self, items):
        unit_ids = {item[f"{self.alias}1"] for item in items} - {None, 0}
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
    rolled = False

    def use_rollup(self, user, form):
        """Flights or trains only: their numbers are few (VehicleTally)."""
        base = None
        if form.is_valid() and form.cleaned_data.get("transport") in ROLLED_TRANSPORTS:
            rollup = (VehicleTotal, VehicleTally)
            base = rollup_base(user, form, rollup, ROLLUP_FILTERS | {"transport"})
        self.rolled = base is not None
        return base

    def group(self):
        if self.rolled:  # numbers already in upper case
            return {f"{self.alias}0": F("transport"), f"{self.alias}1": F("vehicle")}
        return {f"{self.alias}0": F("transport"), f"{self.alias}1": Upper("transport_number")}

    def restrict(self, qs, column):
        names = list(self.group())
        top = list(
            qs.values(**self.group())
            .annotate(n=counted(qs))
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
