"""The arrival declaration form (R-D1, R-D6), shared by every channel's page.

The public page, staff entry, paper digitisation and the external-QR completion
all use `DeclarationForm`; the Excel import validates each row through it too,
so that a value refused on one channel is refused on every channel.
"""

import datetime
import functools

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.accounts.forms import PhoneField
from vigil.areas.models import AdminUnit, Country, Level
from vigil.people.models import Gender, IdKind
from vigil.people.validators import validate_id_number

from . import questions
from .models import RegistrationKind, Transport
from .services import IDENTITY_FIELDS

YES_NO = [("1", _("Yes")), ("0", _("No"))]
# Transport whose number identifies a trip that contact tracing may need.
NUMBERED_TRANSPORT = ("plane", "train", "coach")


class GroupedUnitField(forms.ModelChoiceField):
    """Communes grouped by district in one <select>: fast to pick by keyboard."""

    def label_from_instance(self, obj):
        return obj.name


def unit_choices(queryset, group_by_parent):
    """[(district name, [(pk, commune name), ...]), ...] for a grouped select."""
    if not group_by_parent:
        return [("", "---------")] + [(u.pk, u.name) for u in queryset]
    groups, current, items = [("", "---------")], None, None
    for unit in queryset.select_related("parent"):
        if unit.parent_id != current:
            items = []
            groups.append((unit.parent.name, items))
            current = unit.parent_id
        items.append((unit.pk, unit.name))
    return groups


@functools.lru_cache(maxsize=4)
def commune_choices(home_pk, home_path):
    """The grouped commune choices of the home province, built once per process.

    Building them took most of the time of every declaration form, API calls
    included. Keyed on the home province's row, so reloading the areas (new
    primary keys) builds them again.
    """
    communes = (
        AdminUnit.objects.filter(path__startswith=home_path, level=Level.COMMUNE)
        .active_tree()
        .order_by("path")
    )
    return unit_choices(communes, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025)


def yes_no_field(label):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Answer yes or no.")},
    )


class DeclarationForm(forms.Form):
    # Identity
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    id_kind = forms.ChoiceField(label=_("ID kind"), choices=IdKind.choices, initial=IdKind.CCCD)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "text", "autocomplete": "off"}),
    )
    phone = PhoneField(
        label=_("Phone"), widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"), widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    occupation = forms.CharField(label=_("Occupation"), max_length=200, required=False)

    # Registration
    registration_kind = forms.ChoiceField(
        label=_("Registration kind"), choices=RegistrationKind.choices
    )
    student_code = forms.CharField(label=_("Student code"), max_length=40, required=False)
    school = forms.CharField(label=_("School"), max_length=200, required=False)

    # Departure
    departure_country = forms.ModelChoiceField(
        label=_("Departure country"), queryset=Country.objects.all(), initial="VN"
    )
    departure_province = forms.ModelChoiceField(
        label=_("Departure province"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_district = forms.ModelChoiceField(
        label=_("Departure district"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_commune = forms.ModelChoiceField(
        label=_("Departure commune"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_place = forms.CharField(
        label=_("Departure city / place (abroad)"), max_length=200, required=False
    )

    # Destination in the province
    area = GroupedUnitField(label=_("Destination commune"), queryset=AdminUnit.objects.none())
    village = forms.ModelChoiceField(
        label=_("Village / residential group"), queryset=AdminUnit.objects.none(), required=False
    )
    address = forms.CharField(label=_("Street address"), max_length=300)

    # Journey
    transport = forms.ChoiceField(label=_("Means of transport"), choices=Transport.choices)
    transport_number = forms.CharField(
        label=_("Plate or flight number"), max_length=40, required=False
    )
    arrival_date = forms.DateField(
        label=_("Arrival date"),
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
    )
    visited_areas = forms.CharField(
        label=_("Countries / areas visited in the last 21 days"),
        required=False,
        help_text=_("Leave empty if none."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in questions.ALL:
            self.fields[key] = yes_no_field(label)
        units = AdminUnit.objects.active_tree()
        home = AdminUnit.objects.home_province()
        communes = units.under(home).filter(level=Level.COMMUNE).order_by("path")
        area = self.fields["area"]
        area.queryset = communes
        area.choices = commune_choices(home.pk, home.path)
        self.fields["departure_province"].queryset = units.filter(level=Level.PROVINCE).order_by(
            "name"
        )
        # Dependent selects get their options from what was chosen above them,
        # so that a form sent back with an error keeps every choice.
        province = self._chosen("departure_province", units)
        district = self._chosen("departure_district", units)
        commune = self._chosen("area", communes)
        if province is not None:
            self.fields["departure_district"].queryset = units.filter(
                parent=province, level=Level.DISTRICT
            ).order_by("code")
            below = district or province
            self.fields["departure_commune"].queryset = units.filter(
                parent=below, level=Level.COMMUNE
            ).order_by("code")
        self._cascade("departure_province", "departure_district", Level.DISTRICT)
        self._cascade("departure_district", "departure_commune", Level.COMMUNE)
        self._cascade("area", "village", Level.VILLAGE)
        if commune is not None:
            self.fields["village"].queryset = units.filter(
                parent=commune, level=Level.VILLAGE
            ).order_by("code")

    def _cascade(self, parent, child, level):
        """Reload `child`'s options from the server when `parent` changes (htmx)."""
        url = reverse("areas:options") + f"?from={self.add_prefix(parent)}&level={level}"
        self.fields[parent].widget.attrs.update(
            {"hx-get": url, "hx-target": f"#id_{self.add_prefix(child)}", "hx-trigger": "change"}
        )

    def _chosen(self, name, queryset):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        if value in (None, ""):
            value = self.initial.get(name)
        if hasattr(value, "pk"):
            return value
        if value in (None, ""):
            return None
        try:
            return queryset.filter(pk=value).first()
        except (ValueError, TypeError):
            return None

    # Field cleaning ---------------------------------------------------------

    def clean_full_name(self):
        name = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("Enter the full name."))
        return name

    def clean_birth_year(self):
        year = self.cleaned_data["birth_year"]
        this_year = timezone.localdate().year
        if year < this_year - 120 or year > this_year:
            raise forms.ValidationError(
                _("Enter a birth year between %(low)s and %(high)s.")
                % {"low": this_year - 120, "high": this_year}
            )
        return year

    def clean_arrival_date(self):
        day = self.cleaned_data["arrival_date"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError(_("The arrival date cannot be in the future."))
        if day < today - datetime.timedelta(days=366):
            raise forms.ValidationError(_("The arrival date is more than a year ago."))
        return day

    def clean(self):
        data = super().clean()
        if "id_kind" in data and "id_number" in data:
            try:
                data["id_number"] = validate_id_number(data["id_kind"], data["id_number"])
            except forms.ValidationError as exc:
                self.add_error("id_number", exc)
        country = data.get("departure_country")
        if country is not None and country.pk == "VN":
            if not data.get("departure_province"):
                self.add_error("departure_province", _("Choose the province you came from."))
            self._check_parent("departure_district", "departure_province")
            self._check_parent("departure_commune", "departure_district")
            data["departure_unit"] = (
                data.get("departure_commune")
                or data.get("departure_district")
                or data.get("departure_province")
            )
        else:
            data["departure_unit"] = None
        self._check_parent("village", "area")
        if data.get("registration_kind") == RegistrationKind.STUDENT:
            for name in ("student_code", "school"):
                if not data.get(name):
                    self.add_error(name, _("Required for a student returning to study."))
        if data.get("transport") in NUMBERED_TRANSPORT and not data.get("transport_number"):
            self.add_error("transport_number", _("Enter the flight, train or coach number."))
        return data

    def _check_parent(self, child, parent):
        data = self.cleaned_data
        if data.get(child) and data.get(parent) and data[child].parent_id != data[parent].pk:
            self.add_error(child, _("This is not inside the place chosen above."))

    # Results ----------------------------------------------------------------

    IDENTITY = IDENTITY_FIELDS

    def identity(self):
        return {k: self.cleaned_data.get(k) for k in self.IDENTITY}

    def declaration_data(self):
        data = {k: v for k, v in self.cleaned_data.items() if k not in self.IDENTITY}
        for name in ("departure_province", "departure_district", "departure_commune", "version"):
            data.pop(name, None)
        return data

    def question_rows(self):
        """[(group label, [bound field, ...]), ...] for the yes/no tables."""
        return [(label, [self[key] for key, _q in items]) for _g, label, items in questions.GROUPS]

    @classmethod
    def initial_from(cls, declaration=None, person=None):
        """Initial values from an existing declaration and/or person (R-P2: reuse)."""
        initial = {}
        person = person or (declaration.person if declaration else None)
        if person is not None:
            initial.update({k: getattr(person, k) for k in cls.IDENTITY})
            initial["area"] = person.area_id
        if declaration is not None:
            for name in (
                "registration_kind", "student_code", "school", "departure_country",
                "departure_place", "area", "village", "address", "transport",
                "transport_number", "arrival_date", "visited_areas", *questions.KEYS,
            ):  # fmt: skip
                value = getattr(declaration, name)
                if isinstance(value, bool):
                    value = "1" if value else "0"
                initial[name] = value.pk if hasattr(value, "pk") else value
            initial["version"] = declaration.version
            unit = declaration.departure_unit
            for level, name in (
                (Level.COMMUNE, "departure_commune"),
                (Level.DISTRICT, "departure_district"),
                (Level.PROVINCE, "departure_province"),
            ):
                if unit is not None and unit.level == level:
                    initial[name] = unit.pk
                    unit = unit.parent
        return initial
