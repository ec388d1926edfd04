"""Forms of the staff pages: the staff-entry form, the list filter and the import upload.

`StaffDeclarationForm` is the shared `DeclarationForm` plus what staff entry
adds: the channel's own fields (paper form number and date, checkpoint name),
the jurisdiction check on the destination commune, and "No" as the default
answer of every yes/no question. The Excel import validates each row with it,
so a row is refused for exactly the reasons the entry page would refuse it.
"""

import datetime
import functools
import operator
import re

from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.phones import normalize_phone
from vigil.core.scope import in_scope, scope_path
from vigil.core.text import fold
from vigil.core.xlsx import XlsxUploadForm

from . import questions
from .forms import DeclarationForm, unit_choices
from .models import Channel, RegistrationKind

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


# The list ------------------------------------------------------------------


class DeclarationFilterForm(forms.Form):
    """Filters of the declaration list (R-V1 style). Every choice is inside the
    viewer's jurisdiction; a value from outside it makes the form invalid, and
    the view then shows nothing rather than ignoring the filter."""

    CREATED, ARRIVAL = "created", "arrival"

    q = forms.CharField(
        label=_("Name, ID number, phone or code"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    date_on = forms.ChoiceField(
        label=_("Date of"),
        required=False,
        choices=[(CREATED, _("declaration")), (ARRIVAL, _("arrival"))],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=AdminUnit.objects.none(), empty_label=_("All")
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), required=False, queryset=AdminUnit.objects.none(), empty_label=_("All")
    )
    kind = forms.ChoiceField(
        label=_("Registration kind"),
        required=False,
        choices=[("", _("All")), *RegistrationKind.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        path = scope_path(user)
        units = AdminUnit.objects.none()
        if path is not None:
            units = AdminUnit.objects.active_tree().filter(path__startswith=path)
        districts = units.filter(level=Level.DISTRICT).order_by("path")
        communes = units.filter(level=Level.COMMUNE).order_by("path")
        self.fields["district"].queryset = districts
        self.fields["commune"].queryset = communes
        if settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025:
            choices = unit_choices(communes, group_by_parent=True)
            choices[0] = ("", _("All"))
            self.fields["commune"].choices = choices
        if not districts.exists():
            # A commune account has no district to choose; the field stays
            # (hidden) so that one in the URL still empties the list.
            self.fields["district"].widget = forms.HiddenInput()

    def filter_qs(self, qs, skip=()):
        """Narrow an already scoped queryset. An invalid form (a commune outside
        the jurisdiction in the URL, a malformed date) yields no rows at all."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data.get("district") and "district" not in skip:
            qs = qs.filter(area_path__startswith=data["district"].path)
        if data.get("commune") and "commune" not in skip:
            qs = qs.filter(area_path__startswith=data["commune"].path)
        if data.get("kind") and "kind" not in skip:
            qs = qs.filter(registration_kind=data["kind"])
        if data.get("channel") and "channel" not in skip:
            qs = qs.filter(channel=data["channel"])
        qs = self._filter_dates(qs, data)
        if data.get("q"):
            qs = qs.filter(keyword_q(data["q"]))
        return qs

    def _filter_dates(self, qs, data):
        start, end = data.get("date_from"), data.get("date_to")
        if data.get("date_on") == self.ARRIVAL:
            if start:
                qs = qs.filter(arrival_date__gte=start)
            if end:
                qs = qs.filter(arrival_date__lte=end)
            return qs
        # Declared between local midnights: a range on the indexed timestamp,
        # not a __date lookup that would compute the date of every row.
        if start:
            qs = qs.filter(created_at__gte=local_midnight(start))
        if end:
            qs = qs.filter(created_at__lt=local_midnight(end + datetime.timedelta(days=1)))
        return qs


def local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def keyword_q(text):
    """Declarations whose person's name contains every word (diacritics ignored),
    or whose ID number, phone or code is exactly `text`."""
    compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
    conditions = []
    key = fold(text)
    if key and not compact.isdigit():
        conditions.append(
            functools.reduce(
                operator.and_, (Q(person__search_key__contains=word) for word in key.split())
            )
        )
    if compact:
        conditions.append(Q(person__id_number=compact))
        conditions.append(Q(code=compact))
    phone = normalize_phone(text)
    if phone:
        conditions.append(Q(person__phone=phone))
    if not conditions:
        return Q(pk__in=[])
    return functools.reduce(operator.or_, conditions)
