"""The guest register's filters ("Khách lưu trú"): one form for the page, the
API and the export ("Kết xuất").

GET names are fixed (the police view links to them): establishment,
district, commune, tab ("in_house" | "out"), declared ("yes" | "no"),
colour, date_from, date_to, room, nationality, q. A value outside the
viewer's scope makes the form invalid, and the list then shows nothing.
"Nationality" is the country the guest's declaration departed from (the
declaration's existing field).
"""

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Country
from vigil.core.forms import DateOrderMixin, record_filter, search_filter
from vigil.core.phones import normalize_phone
from vigil.core.text import fold
from vigil.declarations.filters import AreaFilterMixin
from vigil.declarations.models import RiskColour

from .forms_guests import DATE_ATTRS
from .models import Establishment

IN_HOUSE, OUT = "in_house", "out"
TABS = ((IN_HOUSE, _("In house")), (OUT, _("Checked out")))
# Highlighted in the register: no declaration, or one of these colours.
ALERT_COLOURS = (RiskColour.RED, RiskColour.ORANGE)


class GuestFilterForm(DateOrderMixin, AreaFilterMixin, forms.Form):
    tab = forms.ChoiceField(label=_("Tab"), required=False, choices=TABS)
    q = search_filter(_("Name, ID or passport number, phone, declaration code"))
    date_from = forms.DateField(
        label=_("Checked in from"), required=False, widget=forms.DateInput(DATE_ATTRS)
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(DATE_ATTRS))
    room = forms.CharField(label=_("Room"), required=False, max_length=32)
    nationality = forms.ModelChoiceField(
        label=_("Nationality"),
        required=False,
        queryset=Country.objects.all(),
        empty_label=_("All"),
        to_field_name="code",
    )
    declared = forms.ChoiceField(
        label=_("Health declaration"),
        required=False,
        choices=[("", _("All")), ("yes", _("Declared")), ("no", _("Not declared"))],
    )
    colour = forms.ChoiceField(
        label=_("Risk colour"), required=False, choices=[("", _("All")), *RiskColour.choices]
    )
    establishment = record_filter(_("Establishment"), Establishment.objects.none())
    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_areas(user)
        self.fields["establishment"].queryset = Establishment.objects.visible_to(user)
        self.own = bool(getattr(user, "establishment_id", None))
        if self.own:
            # An establishment's account: its own guests only, no places to pick.
            for name in ("establishment", "district", "commune"):
                self.fields[name].widget = forms.HiddenInput()

    @property
    def chosen_tab(self):
        if self.is_bound and self.is_valid() and self.cleaned_data.get("tab"):
            return self.cleaned_data["tab"]
        return IN_HOUSE

    def filter_qs(self, qs, tab=True):
        """Narrow an already scoped GuestStay queryset; invalid: no rows."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if tab:
            qs = qs.checked_out() if self.chosen_tab == OUT else qs.in_house()
        qs = qs.filter(self.area_q())
        if data.get("establishment"):
            qs = qs.filter(establishment=data["establishment"])
        if data.get("room"):
            qs = qs.filter(room__iexact=data["room"].strip())
        if data.get("nationality"):
            # The nationality recorded at check-in; for a stay without one,
            # the country its declaration came from.
            country = data["nationality"]
            qs = qs.filter(
                Q(nationality=country)
                | Q(nationality__isnull=True, declaration__departure_country=country)
            )
        if data.get("declared") == "yes":
            qs = qs.filter(declaration__isnull=False)
        elif data.get("declared") == "no":
            qs = qs.filter(declaration__isnull=True)
        if data.get("colour"):
            qs = qs.filter(declaration__risk_colour=data["colour"])
        if data.get("date_from"):
            qs = qs.filter(check_in__gte=_midnight(data["date_from"]))
        if data.get("date_to"):
            qs = qs.filter(check_in__lt=_midnight(data["date_to"] + datetime.timedelta(days=1)))
        if data.get("q"):
            qs = qs.filter(keyword_q(data["q"]))
        return qs


def _midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def keyword_q(text):
    """Stays whose guest's ID / passport number or phone is `text`, whose
    declaration code is `text`, or whose guest's name contains its words."""
    text = text.strip()
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    q = Q(person__id_number=compact) | Q(declaration__code=compact)
    phone = normalize_phone(text)
    if phone:
        q |= Q(person__phone=phone)
    key = fold(text)
    if key and not compact.isdigit():
        named = Q()
        for word in key.split():
            named &= Q(person__search_key__contains=word)
        q |= named
    return q
