"""Forms of the quarantine screens (R-Q1..R-Q4): the facility catalogue, quick
rooms, intake, the actions on a stay, and the filters of the list and the board.

Forms turn text into values and offer only what the user's scope allows;
vigil.quarantine.services decides and writes (the facility catalogue's
create_facility / update_facility included).
"""

import copy

from django import forms
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.forms import filter_date_range, record_filter, search_filter
from vigil.core.scope import scope_path
from vigil.declarations import questions
from vigil.declarations.filters import scoped_unit_choices
from vigil.declarations.forms import (
    DeclarationForm,
    GroupedUnitField,
    unit_choices,
    yes_no_field,
)
from vigil.people.validators import validate_id_number

from . import services
from .models import Bed, Facility, FacilityKind, Outcome

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}


def _pre2025():
    return settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025


def _units_in_scope(user, level):
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    units = AdminUnit.objects.active_tree().filter(path__startswith=path, level=level)
    return units.order_by("path")


def communes_in_scope(user):
    return _units_in_scope(user, Level.COMMUNE)


def districts_in_scope(user):
    return _units_in_scope(user, Level.DISTRICT)


def stay_facilities(user):
    """Facilities a stay may be put in: active ones in scope (a manager: theirs)."""
    return Facility.objects.visible_to(user).filter(active=True).order_by("name")


def bed_choices(beds):
    """Beds grouped by building and room, for one keyboard-friendly <select>."""
    groups, current, items = [("", "---------")], None, None
    for bed in beds:
        room = bed.room
        if room.pk != current:
            items = []
            groups.append((f"{room.building.name} · {room.name}", items))
            current = room.pk
        items.append((bed.pk, str(bed)))
    return groups


def ordered_beds(queryset):
    # Labels are "1".."50": by length first so that "10" comes after "9".
    return queryset.select_related("room__building").order_by(
        "room__building__name", "room__floor", "room__name", Length("label"), "label"
    )


class FacilityBedForm(forms.Form):
    """A facility and one of its free beds; the bed list follows the facility (htmx).

    What is accepted is every active bed of the chosen facility, not only the
    free ones: a bed taken between showing the form and saving it is then
    refused by the service (the database constraint) with a clear message
    next to the field, instead of a bare "not one of the choices".
    """

    facility = forms.ModelChoiceField(label=_("Quarantine facility"), queryset=Facility.objects)
    bed = forms.ModelChoiceField(label=_("Bed"), queryset=Bed.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["facility"]
        field.queryset = stay_facilities(user)
        if user.facility_id:
            # A facility manager works in their own facility only.
            field.initial = user.facility_id
            field.widget = forms.HiddenInput()
        facility = self.chosen_facility()
        bed = self.fields["bed"]
        if facility is not None:
            bed.queryset = Bed.objects.filter(room__building__facility=facility, active=True)
            bed.choices = bed_choices(ordered_beds(services.free_beds(facility)))
        else:
            bed.choices = [("", "---------")]
        field.widget.attrs.update(
            {
                "hx-get": reverse("quarantine:beds") + f"?from={self.add_prefix('facility')}",
                "hx-target": f"#{self['bed'].auto_id}",
                "hx-trigger": "change",
            }
        )
        bed.widget.attrs.update(
            {
                "hx-get": reverse("quarantine:room") + f"?from={self.add_prefix('bed')}",
                "hx-target": f"#{self.add_prefix('room-occupants')}",
                "hx-trigger": "change",
            }
        )

    def chosen_facility(self):
        """The facility chosen in the submitted data or the initial values, if in scope."""
        field = self.fields["facility"]
        value = self.data.get(self.add_prefix("facility")) if self.is_bound else None
        if value in (None, ""):
            value = self.initial.get("facility", field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        if value in (None, ""):
            only = list(field.queryset[:2])
            return only[0] if len(only) == 1 else None
        try:
            return field.queryset.filter(pk=value).first()
        except (ValueError, TypeError):
            return None

    def clean(self):
        data = super().clean()
        facility = data.get("facility")
        if (
            facility is not None
            and not data.get("bed")
            and "bed" not in self.errors
            and Bed.objects.filter(room__building__facility=facility, active=True).exists()
        ):
            self.add_error("bed", _("Choose a free bed."))
        return data


# Intake ----------------------------------------------------------------------


class IntakeForm(FacilityBedForm):
    """Intake ("Nhập khu cách ly" → "Thêm mới"): facility, bed, dates, and
    for a person found by the search (or sent by CDC) the exposure and
    symptom questions. A new person answers them in their declaration form
    (`DeclarationForm`, rendered next to this one) instead.

    No question is pre-answered (finding 6: a default "no" saved a coughing
    arrival as "no symptoms"); the page's "none of the others" button answers
    the unanswered ones "no" only when the user clicks it.
    """

    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(DATE_ATTRS))
    planned_end = forms.DateField(
        label=_("Planned end"),
        required=False,
        widget=forms.DateInput(DATE_ATTRS),
        help_text=_("Empty: the facility's quarantine days from the start date."),
    )
    pick = forms.CharField(widget=forms.HiddenInput, required=False)
    declaration = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, with_answers=True, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["start_date"].initial = timezone.localdate
        self.with_answers = with_answers
        if with_answers:
            for key, label in ANSWER_QUESTIONS:
                self.fields[key] = yes_no_field(label)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("planned_end")
        if start and end and end <= start:
            self.add_error("planned_end", _("The planned end must be after the start date."))
        return data

    def answer_fields(self):
        if not self.with_answers:
            return []
        return [
            (_("Exposure in the last 21 days"), [self[k] for k, _l in questions.EXPOSURES]),
            (_("Symptoms in the last 14 days"), [self[k] for k, _l in questions.SYMPTOMS]),
        ]

    def answers(self):
        return {key: self.cleaned_data[key] for key, _label in ANSWER_QUESTIONS}

    def stay_values(self):
        data = self.cleaned_data
        return {
            "facility": data["facility"],
            "start_date": data["start_date"],
            "bed": data.get("bed"),
            "planned_end": data.get("planned_end"),
        }


ANSWER_QUESTIONS = questions.EXPOSURES + questions.SYMPTOMS


def answers_initial(declaration):
    """The declaration's own answers, for an intake from the "to take in" list:
    what the person declared, to be checked with them, not a default."""
    return {key: "1" if getattr(declaration, key) else "0" for key, _l in ANSWER_QUESTIONS}


class PersonCorrectionForm(forms.Form):
    """Correct who a found person is, from the papers in front of the staff.

    The fields are the declaration form's own (same labels, same checks). The
    ID number and phone start empty, the recorded ones shown masked as a
    placeholder: empty keeps them, so that a search result does not reveal
    them whole (R-N4).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)

    FIELDS = ("full_name", "birth_year", "gender", "id_kind", "id_number", "phone", "occupation")
    KEEP_IF_EMPTY = ("id_number", "phone")

    clean_full_name = DeclarationForm.clean_full_name
    clean_birth_year = DeclarationForm.clean_birth_year

    def __init__(self, *args, person, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                **{n: getattr(person, n) for n in self.FIELDS if n not in self.KEEP_IF_EMPTY},
                "version": person.version,
            },
        )
        super().__init__(*args, **kwargs)
        self.person = person
        for name in self.FIELDS:
            self.fields[name] = copy.deepcopy(DeclarationForm.base_fields[name])
        self.fields["id_kind"].initial = person.id_kind or None
        for name, masked in (
            ("id_number", person.masked_id_number),
            ("phone", person.masked_phone),
        ):
            field = self.fields[name]
            field.required = False
            field.widget.attrs["placeholder"] = masked
            field.help_text = _("Empty: keep the recorded one.")
        # Keep the declaration form's order of the fields.
        self.order_fields(["version", *self.FIELDS])

    def clean(self):
        data = super().clean()
        kind = data.get("id_kind")
        if kind and "id_number" in data:
            number = data.get("id_number") or self.person.id_number
            try:
                number = validate_id_number(kind, number)
            except forms.ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                if data.get("id_number"):
                    data["id_number"] = number
        return data

    def changes(self):
        """{field: new value} of what differs from the person's record."""
        out = {}
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if name in self.KEEP_IF_EMPTY and not value:
                continue
            if value in (None, "") and name != "birth_year":
                value = ""
            if value != getattr(self.person, name):
                out[name] = value
        return out


# Actions on a stay --------------------------------------------------------------


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MoveForm(FacilityBedForm, VersionedForm):
    pass


class ExtendForm(VersionedForm):
    planned_end = forms.DateField(label=_("New planned end"), widget=forms.DateInput(DATE_ATTRS))
    reason = forms.CharField(label=_("Reason"), max_length=300)


class EndForm(VersionedForm):
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(DATE_ATTRS))
    outcome = forms.ChoiceField(label=_("End of quarantine"), choices=Outcome.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_(
            "Needed to release someone before the planned end, or without a negative test "
            "when the facility asks for one."
        ),
    )
    confirm = forms.BooleanField(label=_("I confirm that this stay ends now"), required=False)


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this stay deleted?"),
        max_length=300,
        help_text=_("Only for a stay entered by mistake. The audit log keeps what it held."),
    )


# Filters ---------------------------------------------------------------------


class StayFilterForm(forms.Form):
    """Filters of the lists "Đang cách ly" / "Hết cách ly". An invalid form (a
    facility outside the scope in the URL, a malformed date) shows nothing."""

    date_from = forms.DateField(
        label=_("Start date from"), required=False, widget=forms.DateInput(DATE_ATTRS)
    )
    date_to = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(DATE_ATTRS))
    facility = record_filter(_("Quarantine facility"), Facility.objects.none())
    q = search_filter(_("Name, ID number or phone"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        facilities = Facility.objects.visible_to(user).order_by("name")
        self.fields["facility"].queryset = facilities
        if user.facility_id:
            self.fields["facility"].widget = forms.HiddenInput()

    def filter_qs(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        qs = filter_date_range(qs, data, "start_date")
        if data["facility"]:
            qs = qs.filter(facility=data["facility"])
        if data["q"]:
            qs = qs.filter(keyword_q(data["q"]))
        return qs


class ToTakeInFilterForm(forms.Form):
    """Filters of the "to take in" list: a district, a facility (the people of
    its district: what its manager sees), a keyword. A facility account's own
    facility is fixed."""

    district = record_filter(_("District"), AdminUnit.objects.none())
    facility = record_filter(_("Quarantine facility"), Facility.objects.none())
    q = search_filter(_("Name, ID number, phone or code"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = districts_in_scope(user)
        self.fields["facility"].queryset = stay_facilities(user)
        path = scope_path(user)
        # The <select>'s options from the per-process cache of the filters'
        # choices (the queryset still checks a submitted district).
        district_choices = scoped_unit_choices(path)[0] if path is not None else [("", _("All"))]
        self.fields["district"].choices = district_choices
        if user.facility_id:
            self.fields["district"].widget = forms.HiddenInput()
            self.fields["facility"].widget = forms.HiddenInput()
        elif len(district_choices) - 1 < 2:
            self.fields["district"].widget = forms.HiddenInput()

    def filter_qs(self, qs):
        from vigil.core.scope import facility_reach_path
        from vigil.declarations.filters import keyword_q as declaration_keyword_q

        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["district"]:
            qs = qs.filter(area_path__startswith=data["district"].path)
        if data["facility"]:
            qs = qs.filter(area_path__startswith=facility_reach_path(data["facility"]))
        if data["q"]:
            qs = qs.filter(declaration_keyword_q(data["q"]))
        return qs


def keyword_q(text):
    """Stays whose person's name contains every word (diacritics ignored), or
    whose ID number or phone is exactly `text`."""
    import re

    from vigil.core.phones import normalize_phone
    from vigil.core.text import fold

    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    condition = Q(pk__in=[])
    key = fold(text)
    if key and not compact.isdigit():
        words = Q()
        for word in key.split():
            words &= Q(person__search_key__contains=word)
        condition |= words
    if compact:
        condition |= Q(person__id_number=compact)
    phone = normalize_phone(text)
    if phone:
        condition |= Q(person__phone=phone)
    return condition


class FacilityFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *FacilityKind.choices]
    )
    district = record_filter(_("District"), AdminUnit.objects.none())
    retired = forms.BooleanField(label=_("Show facilities no longer in use"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = districts_in_scope(user)
        self.fields["district"].queryset = districts
        if user.facility_id or districts.count() < 2:
            # Nothing to choose for a district, a commune or a facility account.
            self.fields["district"].widget = forms.HiddenInput()

    def filter_qs(self, qs, retired=True):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["district"]:
            qs = qs.filter(area_path__startswith=data["district"].path)
        if retired and not data["retired"]:
            qs = qs.filter(active=True)
        return qs


# The catalogue ----------------------------------------------------------------


class FacilityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=FacilityKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    area = GroupedUnitField(label=_("District / commune"), queryset=AdminUnit.objects.none())
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    quarantine_days = forms.IntegerField(
        label=_("Quarantine days"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Empty: the default for this type of facility."),
    )
    negative_test_to_end = forms.BooleanField(
        label=_("A negative test is needed to end a stay"),
        required=False,
        initial=True,
        help_text=_(
            "Ending a stay as completed without a negative test during the stay then "
            "needs a reason and a confirmation."
        ),
    )
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = (
        "kind", "name", "area", "address", "quarantine_days", "negative_test_to_end", "active",
    )  # fmt: skip

    def __init__(self, *args, user, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in self.FIELDS},
                "area": instance.area_id,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        communes = communes_in_scope(user)
        area = self.fields["area"]
        area.queryset = communes
        area.choices = unit_choices(communes, _pre2025())

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def values(self):
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class QuickRoomsForm(forms.Form):
    """ "Building A, floors 1–6, rooms 01–40, 4 beds each" in one go."""

    building = forms.CharField(label=_("Building"), max_length=100)
    floor_from = forms.IntegerField(label=_("Floors from"), min_value=-5, max_value=200)
    floor_to = forms.IntegerField(label=_("to"), min_value=-5, max_value=200)
    room_from = forms.IntegerField(label=_("Rooms from"), min_value=0, max_value=99)
    room_to = forms.IntegerField(label=_("to"), min_value=0, max_value=99)
    beds_per_room = forms.IntegerField(label=_("Beds per room"), min_value=1, max_value=50)
    prefix = forms.CharField(label=_("Room name prefix"), max_length=10, required=False)

    def clean(self):
        data = super().clean()
        for low, high in (("floor_from", "floor_to"), ("room_from", "room_to")):
            if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
                self.add_error(high, _("The last number is smaller than the first."))
        return data

    def arguments(self):
        data = self.cleaned_data
        return {
            "building": data["building"],
            "floors": range(data["floor_from"], data["floor_to"] + 1),
            "rooms": range(data["room_from"], data["room_to"] + 1),
            "beds_per_room": data["beds_per_room"],
            "prefix": data["prefix"].strip(),
        }


class BoardFilterForm(forms.Form):
    district = record_filter(_("District"), AdminUnit.objects.none())
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *FacilityKind.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = districts_in_scope(user)
        self.fields["district"].queryset = districts
        if user.facility_id or districts.count() < 2:
            # Nothing to choose for a district, a commune or a facility account.
            self.fields["district"].widget = forms.HiddenInput()
