"""The API's declaration bodies into the web form's values, and back.

Bodies carry codes (country ISO code, administrative unit codes); the web form
takes ids. `validate` translates a body, binds `DeclarationForm` and answers
its errors under the API's field names, so that the app refuses exactly what
the web refuses, with the same messages.
"""

import copy
import hashlib

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.api.common import iso_date
from vigil.areas import refdata
from vigil.areas.models import Level
from vigil.declarations import questions
from vigil.declarations.forms import QUESTION_FIELDS, DeclarationForm
from vigil.declarations.models import STAFF_CHANNELS, Channel

DIRECT_FIELDS = (
    "full_name", "id_kind", "id_number", "phone", "birth_year", "gender", "occupation",
    "registration_kind", "student_code", "school", "departure_place", "address",
    "transport", "transport_number", "visited_areas",
)  # fmt: skip
# Where the form's field errors go in the API's body.
FORM_TO_API = {
    "area": "area_code",
    "village": "village_code",
    "departure_province": "departure_unit_code",
    "departure_district": "departure_unit_code",
    "departure_commune": "departure_unit_code",
    **{key: f"answers.{key}" for key in questions.KEYS},
}
DEPARTURE_LEVELS = {
    Level.PROVINCE: "departure_province",
    Level.DISTRICT: "departure_district",
    Level.COMMUNE: "departure_commune",
}
UNKNOWN_CODE = forms.ModelChoiceField.default_error_messages["invalid_choice"]
RELATION = forms.CharField(max_length=100)


CODE_FIELDS = (
    ("departure_unit_code", None),
    ("area_code", "area"),
    ("village_code", "village"),
)


def _units(payload, errors):
    """{API field: unit} for the unit codes sent; unknown codes are errors.

    From the per-process cache of the active tree (vigil.areas.refdata): this
    runs on every declaration, and asks the database nothing.
    """
    codes = {name: (getattr(payload, name) or "").strip() for name, _f in CODE_FIELDS}
    codes = {name: code for name, code in codes.items() if code}
    if not codes:
        return {}
    cache = refdata.units()
    found = {}
    for name, code in codes.items():
        unit = cache.by_code(code)
        if unit is not None:
            found[name] = unit
        else:
            errors[name] = [str(UNKNOWN_CODE)]
    departure = found.get("departure_unit_code")
    if departure is not None:
        chain = (cache.by_code(code) for code in departure.path.strip("/").split("/"))
        found["departure_chain"] = [unit for unit in chain if unit is not None]
    return found


def form_values(payload, names, default_phone, errors):
    """The web form's data for the body's fields `names`, its phone (the
    verified one when none is sent), departure country, arrival date and units
    (codes into ids); values that cannot even be translated go to `errors`."""
    data = {name: getattr(payload, name) for name in names if getattr(payload, name) is not None}
    if not (data.get("phone") or "").strip() and default_phone:
        data["phone"] = default_phone
    if payload.departure_country:
        data["departure_country"] = payload.departure_country.strip().upper()
    arrival = iso_date(payload.arrival_date, "arrival_date", errors)
    if arrival is not None:
        data["arrival_date"] = arrival
    units = _units(payload, errors)
    for unit in units.get("departure_chain", []):  # the unit and the units above it
        if unit.level in DEPARTURE_LEVELS:
            data[DEPARTURE_LEVELS[unit.level]] = unit.pk
    for name, field in CODE_FIELDS:
        if field and name in units:
            data[field] = units[name].pk
    return data


def form_fields(form, errors):
    """A bound form's errors under the API's field names, then `errors` (an
    unknown code says more than the form's "required")."""
    fields = {}
    if not form.is_valid():
        for name, messages in form.errors.items():
            target = fields.setdefault(FORM_TO_API.get(name, name), [])
            target.extend(m for m in messages if m not in target)
    fields.update(errors)
    return fields


def _form_data(payload, default_phone):
    """(data for DeclarationForm, errors of values that cannot even be translated)."""
    errors = {}
    data = form_values(payload, DIRECT_FIELDS, default_phone, errors)
    for key in questions.KEYS:
        answer = getattr(payload.answers, key)
        if answer is not None:
            data[key] = "1" if answer else "0"
    return data, errors


def _light_copy(field):
    """A copy of `field` for one form: its own attributes (required, error
    messages, validators, the cache look-ups the form sets on it), its
    widget shared with every other copy."""
    result = object.__new__(type(field))  # copy.copy without its __reduce_ex__ detour
    result.__dict__.update(field.__dict__)
    result.error_messages = field.error_messages.copy()
    result.validators = field.validators[:]
    return result


class _LightCopies(dict):
    """Fields that a form's `copy.deepcopy(base_fields)` copies lightly."""

    def __deepcopy__(self, memo):
        return {name: _light_copy(field) for name, field in self.items()}


class ValidatingDeclarationForm(DeclarationForm):
    """`DeclarationForm` for a JSON body: the same fields, cleaning and
    messages, never rendered. A widget is only read here (the value from the
    data), so the form's fields share their widgets instead of deep-copying
    them: building the fields was a fifth of a declaration's CPU.

    The fields are this class's own copies, not the web form's: the form
    sets choices on its fields' widgets, which must never reach a page."""

    question_fields = copy.deepcopy(QUESTION_FIELDS)
    copy_field = staticmethod(_light_copy)


ValidatingDeclarationForm.base_fields = _LightCopies(
    copy.deepcopy(ValidatingDeclarationForm.base_fields)
)


def validate(payload, default_phone="", proxy=False):
    """(bound and validated DeclarationForm, the API's field errors, proxy relation).

    `proxy`: the declarer's relation to the person is required, as on the web.
    """
    data, errors = _form_data(payload, default_phone)
    form = ValidatingDeclarationForm(data)
    fields = form_fields(form, errors)
    relation = ""
    if proxy:
        try:
            relation = " ".join(RELATION.clean(payload.proxy_relation or "").split())
        except ValidationError as exc:
            fields["proxy_relation"] = exc.messages
    return form, fields, relation


class StaffChannelForm(forms.Form):
    """How a staff-entered declaration reached the staff member (R-D2, R-P3)."""

    channel = forms.ChoiceField(choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    paper_form_number = forms.CharField(max_length=40, required=False)
    paper_form_date = forms.DateField(required=False)
    checkpoint = forms.CharField(max_length=200, required=False)

    def clean(self):
        data = super().clean()
        channel = data.get("channel")
        if channel == Channel.PAPER:
            if not data.get("paper_form_number"):
                self.add_error("paper_form_number", _("Enter the number of the paper form."))
            if not data.get("paper_form_date") and "paper_form_date" not in self.errors:
                self.add_error("paper_form_date", _("Enter the date of the paper form."))
        day = data.get("paper_form_date")
        if day and day > timezone.localdate():
            self.add_error("paper_form_date", _("The date cannot be in the future."))
        if channel == Channel.CHECKPOINT and not data.get("checkpoint"):
            self.add_error("checkpoint", _("Enter the checkpoint."))
        return data

    def declaration_data(self):
        """Only the fields of the chosen channel: a paper number on a walk-in is noise."""
        data, channel = self.cleaned_data, self.cleaned_data["channel"]
        return {
            "paper_form_number": data["paper_form_number"] if channel == Channel.PAPER else "",
            "paper_form_date": data["paper_form_date"] if channel == Channel.PAPER else None,
            "checkpoint": data["checkpoint"] if channel == Channel.CHECKPOINT else "",
        }


def scoped_key(owner, key):
    """The stored idempotency key: the client's key hashed with who sent it.

    Keys are unique across every channel; without the owner, a citizen who
    guessed or reused another caller's key would be handed that caller's
    declaration. The hash also fits any client key into the 64-char column.
    """
    if not key:
        return None
    return hashlib.sha256(f"api:{owner}:{key}".encode()).hexdigest()
