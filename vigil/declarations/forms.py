"""The arrival declaration form (R-D1, R-D6), shared by every channel's page,
and the forms built on it.

The public page, staff entry, paper digitisation and the external-QR completion
all use `DeclarationForm`; the Excel import validates each row through it too,
so that a value refused on one channel is refused on every channel.

`StaffDeclarationForm` is the shared `DeclarationForm` plus what staff entry
adds: the channel's own fields (paper form number and date, checkpoint name),
the jurisdiction check on the destination commune, and "No" as the default
answer of every yes/no question. The Excel import validates each row with it,
so a row is refused for exactly the reasons the entry page would refuse it.

`PhoneForm`, `CodeForm` and `PublicDeclarationForm` are the citizens' public
pages' forms (views/citizen.py).
"""

import copy
import datetime
import functools
import re
import uuid

import phonenumbers
from django import forms
from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas import refdata
from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.phones import PhoneField
from vigil.core.scope import in_scope, scope_path
from vigil.core.xlsx import XlsxUploadForm
from vigil.people.models import Gender, IdKind
from vigil.people.validators import validate_id_number

from . import otp, questions, required
from .fields import CachedChoiceField, GroupedUnitField, commune_choices, unit_choices
from .models import Channel, RegistrationKind, Transport
from .services import IDENTITY_FIELDS
from .transitions import LOCKED_IDENTITY

YES_NO = [("1", _("Yes")), ("0", _("No"))]
# Transport whose number identifies a trip that contact tracing may need.
NUMBERED_TRANSPORT = ("plane", "train", "coach")


@functools.cache
def _options_url(prefix):
    """The options view's URL under the script prefix `prefix` (three per
    form: reversed once per process)."""
    return reverse("areas:options")


def _yes(value):
    return value == "1"


class YesNoField(forms.TypedChoiceField):
    """A yes/no question. Copying one for a new form (twenty per declaration)
    shares its two constant choices instead of deep-copying them."""

    def __deepcopy__(self, memo):
        result = forms.Field.__deepcopy__(self, memo)
        result._choices = self._choices
        return result


def yes_no_field(label):
    return YesNoField(
        label=label,
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Answer yes or no.")},
    )


# Made once; each form takes copies (building them was a fifth of an API call).
QUESTION_FIELDS = {key: yes_no_field(label) for key, label in questions.ALL}


class TelInput(forms.TextInput):
    input_type = "tel"  # the phone keypad on a phone


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
        label=_("Phone"), widget=TelInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
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
    departure_country = CachedChoiceField(
        label=_("Departure country"), queryset=Country.objects.all(), initial="VN"
    )
    departure_province = CachedChoiceField(
        label=_("Departure province"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_district = CachedChoiceField(
        label=_("Departure district"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_commune = CachedChoiceField(
        label=_("Departure commune"), queryset=AdminUnit.objects.none(), required=False
    )
    departure_place = forms.CharField(
        label=_("Departure city / place (abroad)"), max_length=200, required=False
    )

    # Destination in the province
    area = GroupedUnitField(label=_("Destination commune"), queryset=AdminUnit.objects.none())
    village = CachedChoiceField(
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

    question_fields = QUESTION_FIELDS
    copy_field = staticmethod(copy.deepcopy)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, field in self.question_fields.items():
            self.fields[key] = self.copy_field(field)
        # Units and countries are validated from the per-process cache; the
        # querysets only render the options (and the grouped communes only
        # when a page shows them: an API call never builds them).
        cache, countries = refdata.units(), refdata.countries()
        units = AdminUnit.objects.active_tree  # called only when options are rendered
        home = cache.home()

        def in_home(unit):
            return unit.level == Level.COMMUNE and unit.path.startswith(home.path)

        area = self.fields["area"]
        area.accept_from_cache(
            lambda: units().under(home).filter(level=Level.COMMUNE).order_by("path"),
            cache.get,
            in_home,
        )
        area.choices = functools.partial(commune_choices, home.pk, home.path)
        self.fields["departure_country"].accept_from_cache(
            Country.objects.all, countries.get, lambda country: True
        )
        self.fields["departure_province"].accept_from_cache(
            lambda: units().filter(level=Level.PROVINCE).order_by("name"),
            cache.get,
            lambda unit: unit.level == Level.PROVINCE,
        )
        # Dependent selects get their options from what was chosen above them,
        # so that a form sent back with an error keeps every choice.
        province = self._chosen("departure_province", cache, lambda unit: True)
        district = self._chosen("departure_district", cache, lambda unit: True)
        commune = self._chosen("area", cache, in_home)
        if province is not None:
            self._below("departure_district", units, cache, province, Level.DISTRICT)
            self._below("departure_commune", units, cache, district or province, Level.COMMUNE)
        self._cascade("departure_province", "departure_district", Level.DISTRICT)
        self._cascade("departure_district", "departure_commune", Level.COMMUNE)
        self._cascade("area", "village", Level.VILLAGE)
        if commune is not None:
            self._below("village", units, cache, commune, Level.VILLAGE)
        country = self.data.get(self.add_prefix("departure_country")) if self.is_bound else None
        vietnam = (country or self.initial.get("departure_country") or "VN") == "VN"
        wanted = required.required_places(vietnam, province, district, commune)
        for name in required.LEVELS:
            field = self.fields[name]
            field.widget.attrs["data-required-if-options"] = ""
            if name in wanted:  # the label shows "*"; the message says what is missing
                field.required = True
                field.error_messages = {**field.error_messages, "required": wanted[name]}

    def _below(self, name, units, cache, parent, level):
        """Field `name` offers and accepts the units of `level` right under `parent`."""
        self.fields[name].accept_from_cache(
            lambda: units().filter(parent=parent, level=level).order_by("code"),
            cache.get,
            lambda unit: unit.parent_id == parent.pk and unit.level == level,
        )

    def _cascade(self, parent, child, level):
        """Reload `child`'s options from the server when `parent` changes (htmx)."""
        url = _options_url(get_script_prefix()) + f"?from={self.add_prefix(parent)}&level={level}"
        self.fields[parent].widget.attrs.update(
            {"hx-get": url, "hx-target": f"#id_{self.add_prefix(child)}", "hx-trigger": "change"}
        )

    def _chosen(self, name, cache, accepts):
        """The unit chosen in field `name` (sent, else initial) if `accepts` it."""
        value = self.data.get(self.add_prefix(name)) if self.is_bound else None
        if value in (None, ""):
            value = self.initial.get(name)
        if hasattr(value, "pk"):
            return value
        if value in (None, ""):
            return None
        unit = cache.get(value)
        return unit if unit is not None and accepts(unit) else None

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
        vietnam = country is not None and country.pk == "VN"
        for name, message in required.missing_places(data, vietnam).items():  # R-D1, #16
            if name not in self.errors:
                self.add_error(name, message)
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

    def question_groups(self):
        """[(group key, group label, [bound field, ...]), ...] for the yes/no tables."""
        return [
            (g, label, [self[key] for key, _q in items]) for g, label, items in questions.GROUPS
        ]

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


# Staff entry (paper, checkpoint, walk-in) -------------------------------------

DATE_WIDGET_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}


class StaffDeclarationForm(DeclarationForm):
    """DeclarationForm for staff entry on one of the STAFF_CHANNELS."""

    paper_form_number = forms.CharField(label=_("Paper form number"), max_length=40, required=False)
    paper_form_date = forms.DateField(
        label=_("Paper form date"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    checkpoint = forms.CharField(label=_("Checkpoint"), max_length=200, required=False)

    # Rendered above the shared form, in this order (the clerk copies the
    # paper form top to bottom, and its number is printed at the top).
    CHANNEL_FIELDS = {
        Channel.PAPER: ("paper_form_number", "paper_form_date"),
        Channel.CHECKPOINT: ("checkpoint",),
        Channel.WALK_IN: (),
    }

    def __init__(self, *args, user, channel, for_display=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.channel = channel
        wanted = self.CHANNEL_FIELDS[channel]
        for name in ("paper_form_number", "paper_form_date", "checkpoint"):
            if name in wanted:
                self.fields[name].required = True
            else:
                del self.fields[name]
        # A clerk only touches the questions answered "Yes" on the paper.
        for key in questions.KEYS:
            self.fields[key].initial = "0"
        if for_display:
            self._prepare_display()

    def _prepare_display(self):
        # One line: Enter in it submits the form, as everywhere else on the page.
        self.fields["visited_areas"].widget = forms.TextInput(attrs={"autocomplete": "off"})
        # Offer only the communes of the jurisdiction; the queryset (what is
        # accepted) stays province-wide so that another commune gets a clear
        # message from clean_area instead of "not one of the choices".
        area = self.fields["area"]
        path = scope_path(self.user)
        mine = area.queryset.filter(path__startswith=path) if path else area.queryset.none()
        area.choices = unit_choices(mine, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025)
        # R-P2 while typing: leaving the ID number or phone shows who is
        # already known under it, before anything is created.
        url = reverse("declarations:matches") + "?" + urlencode({"channel": self.channel})
        for name in ("id_number", "phone"):
            self.fields[name].widget.attrs.update(
                {"hx-get": url, "hx-trigger": "change", "hx-target": "#matches"}
            )

    def channel_fields(self):
        return [self[name] for name in self.CHANNEL_FIELDS[self.channel]]

    def field_order_names(self):
        """Field names in the order the page renders them (for the autofocus)."""
        return [*self.CHANNEL_FIELDS[self.channel], *FORM_ORDER]

    def clean_area(self):
        area = self.cleaned_data["area"]
        if not in_scope(self.user, area.path):
            raise forms.ValidationError(
                _(
                    "%(commune)s is outside your jurisdiction: you can only enter "
                    "declarations for the communes of %(place)s."
                ),
                code="out_of_scope",
                params={
                    "commune": area.name,
                    "place": getattr(self.user.jurisdiction, "name", "-"),
                },
            )
        return area

    def clean_paper_form_date(self):
        day = self.cleaned_data.get("paper_form_date")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The paper form date cannot be in the future."))
        return day

    def clean_checkpoint(self):
        return " ".join(self.cleaned_data.get("checkpoint", "").split())


# The order of declarations/_form.html, which is the tab order of the page.
FORM_ORDER = (
    "full_name", "birth_year", "gender", "id_kind", "id_number", "phone", "occupation",
    "registration_kind", "student_code", "school", "departure_country", "departure_province",
    "departure_district", "departure_commune", "departure_place", "area", "village", "address",
    "transport", "transport_number", "arrival_date", "visited_areas", *questions.KEYS,
)  # fmt: skip


PaperImportForm = XlsxUploadForm


# The citizens' public pages -----------------------------------------------------

_KEY = re.compile(r"^[0-9a-f]{32}$")  # an idempotency key
_CODE = re.compile(rf"^[0-9]{{{otp.CODE_DIGITS}}}$")  # a one-time code


class PhoneForm(forms.Form):
    phone = PhoneField(
        label=_("Your mobile phone number"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "autofocus": True}
        ),
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        number_type = phonenumbers.number_type(phonenumbers.parse(phone, "VN"))
        if number_type not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            raise forms.ValidationError(_("Enter a mobile number: the code is sent by SMS."))
        return phone


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "class": "otp-code",
            }
        ),
    )

    def clean_code(self):
        code = re.sub(r"[\s.-]", "", self.cleaned_data["code"])
        if not _CODE.match(code):
            raise forms.ValidationError(
                _("Enter the %(n)s digits of the code.") % {"n": otp.CODE_DIGITS}
            )
        return code


class PublicDeclarationForm(DeclarationForm):
    """The shared declaration form, plus what the public web needs.

    `proxy`: declared on behalf of someone, with the declarer's relation to
    that person (required). `idempotent`: a hidden key, made when the form is
    first shown and sent back with it, so that a double submit saves once.
    """

    def __init__(self, *args, proxy=False, idempotent=False, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            # Staff already decided on this declaration: who it is about and
            # where it is handled are no longer the citizen's to change.
            for name in LOCKED_IDENTITY:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Already verified by staff. If it is wrong, say so below."
                    )
            self.fields["correction_note"] = forms.CharField(
                label=_("Request a correction"),
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "If your name, ID number, birth year or commune is wrong, write the "
                    "correct value: the commune will check and correct it."
                ),
            )
        if proxy:
            self.fields["proxy_relation"] = forms.CharField(
                label=_("Your relation to the person"),
                max_length=100,
                help_text=_("For example: mother, son, neighbour, community team."),
            )
        # No answer is pre-selected: the person picks each one (#16).
        for name in ("gender", "registration_kind", "transport"):
            self.fields[name].choices = [("", _("Choose…")), *self.fields[name].choices]
        kind = self["id_kind"].value()
        if kind in (IdKind.CCCD, IdKind.CMND):  # digits only (citizen-form.js follows the kind)
            self.fields["id_number"].widget.attrs["inputmode"] = "numeric"
        if idempotent:
            self.fields["idempotency_key"] = forms.CharField(
                widget=forms.HiddenInput, required=False, max_length=64
            )

    def clean_idempotency_key(self):
        # Anything but our own format gets a fresh key: it only ever de-duplicates.
        key = (self.cleaned_data.get("idempotency_key") or "").strip().lower()
        return key if _KEY.match(key) else uuid.uuid4().hex

    def clean_proxy_relation(self):
        return " ".join(self.cleaned_data["proxy_relation"].split())

    def declaration_data(self):
        data = super().declaration_data()
        data.pop("idempotency_key", None)
        data.pop("correction_note", None)
        return data
