"""Forms of the reception: finding the guest, the stay's fields, the arrival
declaration filled at the desk, the group check-in and the stay's corrections."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from vigil.declarations.fields import unit_choices
from vigil.declarations.forms import StaffDeclarationForm
from vigil.declarations.models import Channel
from vigil.people.validators import normalize_id_number

from .services import ROOM_MAX

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_INPUTS = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
MAX_NIGHTS = 365
# Rows of the group check-in screen.
GROUP_ROWS = 10
GROUP_CODE_MAX = 32


def datetime_field(label, required=True):
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class FindGuestForm(forms.Form):
    """Step 1: a QR payload (scanned or typed), or an exact number."""

    payload = forms.CharField(label=_("QR code or the code under it"), required=False)
    number = forms.CharField(
        label=_("ID number, passport number or phone"), required=False, max_length=40
    )


class StayForm(forms.Form):
    """The room and dates of a stay, shown under the guest found or declared."""

    room = forms.CharField(label=_("Room"), max_length=ROOM_MAX, required=False)
    check_in = datetime_field(_("Check-in time"))
    planned_check_out = forms.DateField(
        label=_("Planned check-out"), required=False, widget=forms.DateInput(DATE_ATTRS)
    )
    nights = forms.IntegerField(
        label=_("Number of nights"), required=False, min_value=0, max_value=MAX_NIGHTS
    )
    guest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("check_in", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)

    def clean_room(self):
        return " ".join(self.cleaned_data["room"].split())

    def clean(self):
        data = super().clean()
        at, nights = data.get("check_in"), data.get("nights")
        if at and nights is not None and not data.get("planned_check_out"):
            data["planned_check_out"] = timezone.localdate(at) + datetime.timedelta(days=nights)
        return data

    def stay_values(self):
        data = self.cleaned_data
        return {
            "room": data["room"],
            "at": data["check_in"],
            "planned_check_out": data.get("planned_check_out"),
        }


class ReceptionDeclarationForm(StaffDeclarationForm):
    """The staff declaration form, on the channel "establishment": the guest's
    destination is the establishment (its commune, village and address)."""

    CHANNEL_FIELDS = {**StaffDeclarationForm.CHANNEL_FIELDS, Channel.ESTABLISHMENT: ()}

    def __init__(self, *args, user, establishment, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("area", establishment.area_id)
        initial.setdefault("village", establishment.village_id)
        initial.setdefault("address", establishment.address or establishment.name)
        initial.setdefault("arrival_date", timezone.localdate())
        super().__init__(
            *args, user=user, channel=Channel.ESTABLISHMENT, for_display=False, **kwargs
        )
        self.fields["visited_areas"].widget = forms.TextInput(attrs={"autocomplete": "off"})
        area = self.fields["area"]
        area.choices = unit_choices(area.queryset.filter(pk=establishment.area_id), False)

    def clean_id_number(self):
        # "B 123 4567" from a passport: the spaces go, the letters stay (R-D6).
        return normalize_id_number(self.cleaned_data.get("id_number"))


class GuestEditForm(forms.Form):
    """Corrections of a stay: room, planned check-out, the check-out time."""

    room = forms.CharField(label=_("Room"), max_length=ROOM_MAX, required=False)
    planned_check_out = forms.DateField(
        label=_("Planned check-out"), required=False, widget=forms.DateInput(DATE_ATTRS)
    )
    check_out = datetime_field(_("Check-out time"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CheckOutForm(forms.Form):
    check_out = datetime_field(_("Check-out time"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class GroupForm(forms.Form):
    """The group's code and its check-in time; the rows are read by `rows`."""

    group_code = forms.CharField(label=_("Group code"), max_length=GROUP_CODE_MAX, required=False)
    check_in = datetime_field(_("Check-in time"))
    nights = forms.IntegerField(
        label=_("Number of nights"), required=False, min_value=0, max_value=MAX_NIGHTS
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("check_in", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)

    def clean_group_code(self):
        code = " ".join(self.cleaned_data["group_code"].split())
        return code or timezone.localtime().strftime("G%y%m%d%H%M%S")

    def planned_check_out(self):
        data = self.cleaned_data
        if data.get("nights") is None:
            return None
        return timezone.localdate(data["check_in"]) + datetime.timedelta(days=data["nights"])


def group_rows(data):
    """[(index, {"guest", "name", "room"}), ...]: the non-empty rows posted."""
    rows = []
    for index in range(GROUP_ROWS):
        row = {
            name: " ".join((data.get(f"row-{index}-{name}") or "").split())
            for name in ("guest", "name", "room")
        }
        if any(row.values()):
            rows.append((index, row))
    return rows


def row_error(row):
    """The row's own mistake (before any look-up), or ""."""
    if not row["guest"]:
        return _gettext("Enter the declaration code, ID or passport number.")
    if len(row["room"]) > ROOM_MAX:
        return _gettext("At most %(max)d characters.") % {"max": ROOM_MAX}
    return ""
