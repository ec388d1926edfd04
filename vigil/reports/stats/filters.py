"""The statistics' filters and links: `StatsFilterForm` (the declaration list's
filters plus one parameter for each dimension that list lacks), what to count
for a form (the declaration tally or the declarations themselves), and the URLs
a number opens."""

from django import forms
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.scope import scope_path
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import (
    Declaration,
    MedicalState,
    RiskColour,
    Surveillance,
    Transport,
    VerificationState,
)
from vigil.testing.models import TestResult

from ..models import DeclarationTally, DepartureTally, DepartureTotal, VehicleTally, VehicleTotal

# The URL value of an empty dimension ("no village given", "no flight number").
NONE = "-"
YES, NO = "yes", "no"
HOME_COUNTRY = "VN"


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
        label=_("Tests"),
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
    if not _answers(user, form, TALLY_FILTERS):
        return Declaration.objects.visible_to(user)
    return DeclarationTally.objects.visible_to(user)


def rollup_base(user, form, rollup, allowed):
    """A rollup (vigil.reports.rollups) in `user`'s scope when it can answer the
    form's filters (names in `allowed`, dates by arrival), else None. `rollup`
    is (total, by day): the total of all days unless the form has dates."""
    if not _answers(user, form, allowed):
        return None
    dated = form.cleaned_data.get("date_from") or form.cleaned_data.get("date_to")
    total, by_day = rollup
    return (by_day if dated else total).objects.visible_to(user)


def _answers(user, form, allowed):
    """True when a count by place and arrival day (the tally, a rollup) answers
    the form: only filters of `allowed` are set, and dates are arrival dates."""
    if getattr(user, "facility_id", None) or not form.is_valid():
        return False  # a facility's own people: not in the tally's terms
    data = form.cleaned_data
    used = {name for name, value in data.items() if value not in (None, "")}
    dated = data.get("date_from") or data.get("date_to")
    return not (used - allowed or (dated and data.get("date_on") != DeclarationFilterForm.ARRIVAL))


# Filters the tally can answer (its columns, see vigil.reports.models).
TALLY_FILTERS = frozenset(
    ("date_on", "date_from", "date_to", "district", "commune", "channel", "colour",
     "verification", "medical", "tested")
)  # fmt: skip
# Filters the rollups can answer (their place and arrival day), and the
# vehicle rollup also its transport (when a rolled one, see VehicleDimension).
ROLLUP_FILTERS = frozenset(("date_on", "date_from", "date_to", "district", "commune"))
# The models that hold counts (a column n) rather than declarations.
COUNTS = (DeclarationTally, DepartureTally, DepartureTotal, VehicleTally, VehicleTotal)


def counted(qs, **where):
    """COUNT(*) over declarations, SUM(n) over the tally; `where` narrows."""
    condition = Q(**where) if where else None
    if qs.model in COUNTS:
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
