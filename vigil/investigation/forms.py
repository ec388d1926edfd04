"""Forms of the case screens ("Truy vết dịch bệnh", R-E1): the case record,
its person (found or new), its sources, and the small action forms (confirm,
send to a facility, delete, acknowledge a reclassification).

Forms turn text into values and offer only what the user's scope allows;
vigil.investigation.services decides and writes. The list's filter form lives
in filters.py.
"""

import datetime

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.phones import PhoneField
from vigil.core.scope import scope_path
from vigil.declarations.fields import GroupedUnitField, commune_choices, unit_choices
from vigil.people.models import Gender, IdKind
from vigil.people.validators import validate_id_number
from vigil.quarantine.models import Facility

from .models import Case, CaseKind, Classification, ContactType, Outbreak, QuarantinePlace

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
SOURCE_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def _date(label, **kwargs):
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(DATE_ATTRS), **kwargs
    )


def _blank(choices):
    return [("", "---------"), *choices]


def case_facilities(user):
    """Facilities a case may be sent to: the active ones the user sees."""
    return Facility.objects.visible_to(user).filter(active=True).order_by("name")


def detection_communes(user):
    """Communes a case may be detected in: those inside the user's scope."""
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    return (
        AdminUnit.objects.active_tree()
        .filter(path__startswith=path, level=Level.COMMUNE)
        .order_by("path")
    )


def split_unit(unit):
    """(commune, village) of a unit that is either."""
    if unit is None:
        return None, None
    if unit.level == Level.VILLAGE:
        return unit.parent, unit
    return unit, None


class CaseForm(forms.Form):
    """The seed's case form (Bước 4–6). The person is either chosen (`person`,
    a visible person's id) or new (name, birth year, gender, ID, phone). The
    sources of a contact come from the picker's checkboxes: `source` (case
    ids) with a `contact_date_<id>` each, read in `clean`."""

    kind = forms.ChoiceField(label=_("Case type"), choices=CaseKind.choices)
    contact_type = forms.ChoiceField(
        label=_("Contact type"), choices=_blank(ContactType.choices), required=False
    )
    code = forms.CharField(label=_("Case code"), max_length=32, required=False)
    classification = forms.ChoiceField(
        label=_("Classification"), choices=_blank(Classification.choices), required=False
    )
    onset_date = _date(_("Symptom onset"))
    confirmed_on = _date(_("Confirmed on"))

    person = forms.IntegerField(widget=forms.HiddenInput, required=False)
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=_blank(Gender.choices), required=False)
    id_kind = forms.ChoiceField(
        label=_("ID kind"), choices=IdKind.choices, initial=IdKind.CCCD, required=False
    )
    id_number = forms.CharField(label=_("ID number"), max_length=20, required=False)
    phone = PhoneField(label=_("Phone"), required=False)

    residence = GroupedUnitField(
        label=_("Permanent residence (commune)"), queryset=AdminUnit.objects.none()
    )
    residence_village = forms.ModelChoiceField(
        label=_("Village / residential group"), queryset=AdminUnit.objects.none(), required=False
    )
    residence_street = forms.CharField(
        label=_("House number, street"), max_length=300, required=False
    )
    investigation_date = _date(_("Investigation date"))
    quarantine_date = _date(_("Quarantine date"))
    quarantine_place = forms.ChoiceField(
        label=_("Quarantine facility type"),
        choices=_blank(QuarantinePlace.choices),
        required=False,
    )
    facility = forms.ModelChoiceField(
        label=_("Quarantine facility"), queryset=Facility.objects.none(), required=False
    )
    outbreak = forms.ModelChoiceField(
        label=_("Outbreak"), queryset=Outbreak.objects.none(), required=False
    )
    detection = GroupedUnitField(
        label=_("Place of detection (commune)"), queryset=AdminUnit.objects.none()
    )
    detection_village = forms.ModelChoiceField(
        label=_("Village of detection"), queryset=AdminUnit.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    PERSON_FIELDS = ("full_name", "birth_year", "gender", "id_kind", "id_number", "phone")

    def __init__(self, *args, user, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.case = case
        self.sources = []
        if case is not None:
            # The type changes only through "Confirm as F0" (the chain moves with it).
            self.fields["kind"].disabled = True
            self.initial["kind"] = case.kind
        units = AdminUnit.objects.active_tree()
        home = AdminUnit.objects.home_province()
        residence = self.fields["residence"]
        residence.queryset = units.under(home).filter(level=Level.COMMUNE).order_by("path")
        residence.choices = commune_choices(home.pk, home.path)
        detection = self.fields["detection"]
        detection.queryset = detection_communes(user)
        detection.choices = unit_choices(
            detection.queryset, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025
        )
        self.fields["facility"].queryset = case_facilities(user)
        self.fields["outbreak"].queryset = Outbreak.objects.visible_to(user).order_by("name")
        for parent, child in (
            ("residence", "residence_village"),
            ("detection", "detection_village"),
        ):
            commune = self._chosen(parent, units)
            villages = units.none()
            if commune is not None:
                villages = units.filter(parent=commune, level=Level.VILLAGE).order_by("code")
            self.fields[child].queryset = villages
            url = (
                reverse("areas:options") + f"?from={self.add_prefix(parent)}&level={Level.VILLAGE}"
            )
            self.fields[parent].widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-target": f"#id_{self.add_prefix(child)}",
                    "hx-trigger": "change",
                }
            )

    @classmethod
    def initial_from_values(cls, values):
        """Form initial values from CASE_FIELDS values (units and records)."""
        initial = {k: v for k, v in values.items() if k not in ("facility", "outbreak")}
        initial["residence"], initial["residence_village"] = split_unit(values.get("residence"))
        initial["detection"], initial["detection_village"] = split_unit(values.get("detection"))
        for name in ("facility", "outbreak"):
            initial[name] = getattr(values.get(name), "pk", None)
        return initial

    @classmethod
    def initial_for(cls, case):
        residence, residence_village = split_unit(case.residence)
        detection, detection_village = split_unit(case.detection)
        initial = {
            name: getattr(case, name)
            for name in (
                "kind",
                "contact_type",
                "code",
                "classification",
                "onset_date",
                "confirmed_on",
                "residence_street",
                "investigation_date",
                "quarantine_date",
                "quarantine_place",
            )
        }
        initial.update(
            person=case.person_id,
            residence=residence,
            residence_village=residence_village,
            detection=detection,
            detection_village=detection_village,
            facility=case.facility_id,
            outbreak=case.outbreak_id,
            version=case.version,
        )
        return initial

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

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()

    def clean(self):
        data = super().clean()
        if not data.get("person") and self.case is None and not data.get("full_name", "").strip():
            self.add_error("full_name", _("Choose a person found above or enter a name."))
        if data.get("id_number"):
            try:
                kind = data.get("id_kind") or IdKind.CCCD
                data["id_number"] = validate_id_number(kind, data["id_number"])
            except forms.ValidationError as exc:
                self.add_error("id_number", exc)
        if data.get("kind") == CaseKind.CONFIRMED and not data.get("code"):
            self.add_error("code", _("A confirmed case needs its case code."))
        if data.get("kind") == CaseKind.CONTACT:
            self.sources = self._clean_sources()
        return data

    def _clean_sources(self):
        """[(case, date or None)] from the picker's checkboxes; only visible
        records are accepted."""
        ids = []
        for raw in self.data.getlist("source") if hasattr(self.data, "getlist") else []:
            if str(raw).isdigit() and int(raw) not in ids:
                ids.append(int(raw))
        found = Case.objects.visible_to(self.user).in_bulk(ids)
        sources = []
        for pk in ids:
            if pk not in found:
                self.add_error(None, _("A chosen source case is not in your area."))
                continue
            raw = (self.data.get(f"contact_date_{pk}") or "").strip()
            day = None
            if raw:
                day = _parse_day(raw)
                if day is None:
                    self.add_error(
                        None,
                        _("The contact date of %(case)s is not a date (dd/mm/yyyy).")
                        % {"case": found[pk].code or found[pk].person},
                    )
                    continue
            sources.append((found[pk], day))
        return sources

    def case_fields(self):
        data = self.cleaned_data
        fields = {
            name: data.get(name) or ""
            for name in ("code", "classification", "contact_type", "residence_street")
        }
        fields["quarantine_place"] = data.get("quarantine_place") or ""
        for name in ("onset_date", "confirmed_on", "investigation_date", "quarantine_date"):
            fields[name] = data.get(name)
        fields["residence"] = data.get("residence_village") or data["residence"]
        fields["detection"] = data.get("detection_village") or data["detection"]
        fields["facility"] = data.get("facility")
        fields["outbreak"] = data.get("outbreak")
        return fields

    def person_values(self):
        data = self.cleaned_data
        return {name: data.get(name) for name in self.PERSON_FIELDS}

    def person_fields(self):
        return [self[name] for name in self.PERSON_FIELDS]

    def case_section(self):
        return [self[n] for n in ("kind", "contact_type", "code", "classification")]

    def dates_section(self):
        return [self[n] for n in ("onset_date", "confirmed_on", "investigation_date")]

    def place_section(self):
        names = (
            "residence",
            "residence_village",
            "residence_street",
            "detection",
            "detection_village",
            "outbreak",
        )
        return [self[n] for n in names]

    def quarantine_section(self):
        return [self[n] for n in ("quarantine_date", "quarantine_place", "facility")]


def _parse_day(raw):
    for fmt in SOURCE_DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ConfirmForm(VersionForm):
    code = forms.CharField(label=_("Case code"), max_length=32)
    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=forms.DateInput(DATE_ATTRS))
    classification = forms.ChoiceField(
        label=_("Classification"), choices=_blank(Classification.choices), required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).upper()


class SendForm(VersionForm):
    facility = forms.ModelChoiceField(
        label=_("Quarantine facility"), queryset=Facility.objects.none()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = case_facilities(user)


class PersonSearchForm(forms.Form):
    person_q = forms.CharField(
        label=_("Find the person: ID number, phone or name"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
