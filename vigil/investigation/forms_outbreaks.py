"""Forms of the outbreak catalogue: an outbreak, and the list's filters.

The form turns text into values and offers the communes of the user's scope;
vigil.investigation.outbreaks validates (village, bounding box, dates) and
writes, so that the page and the API give the same messages.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.forms import record_filter, search_filter
from vigil.declarations.fields import GroupedUnitField
from vigil.declarations.places import setup_commune_and_village, units_in_scope

from .models import OutbreakStatus
from .outbreaks import FIELDS

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
COORD_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "step": "0.000001"}


class OutbreakForm(forms.Form):
    name = forms.CharField(label=_("Outbreak name"), max_length=200)
    area = GroupedUnitField(label=_("District / commune"), queryset=AdminUnit.objects.none())
    village = forms.ModelChoiceField(
        label=_("Village / residential group"), queryset=AdminUnit.objects.none(), required=False
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput(attrs=COORD_ATTRS),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        widget=forms.NumberInput(attrs=COORD_ATTRS),
    )
    status = forms.ChoiceField(label=_("Status"), choices=OutbreakStatus.choices)
    opened_on = forms.DateField(
        label=_("Opened on"), widget=forms.DateInput(attrs=DATE_ATTRS, format="%d/%m/%Y")
    )
    closed_on = forms.DateField(
        label=_("Closed on"),
        required=False,
        widget=forms.DateInput(attrs=DATE_ATTRS, format="%d/%m/%Y"),
        help_text=_("Empty when closing: today."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in FIELDS},
                "area": instance.area_id,
                "village": instance.village_id,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        setup_commune_and_village(self, user)

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def values(self):
        return {name: self.cleaned_data.get(name) for name in FIELDS}


class OutbreakFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OutbreakStatus.choices]
    )
    district = record_filter(_("District"), AdminUnit.objects.none())
    q = search_filter(_("Search"), max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = units_in_scope(user, Level.DISTRICT)

    def filter_qs(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        if data.get("district"):
            queryset = queryset.filter(area_path__startswith=data["district"].path)
        keyword = " ".join((data.get("q") or "").split())
        if keyword:
            queryset = queryset.filter(
                Q(name__icontains=keyword)
                | Q(address__icontains=keyword)
                | Q(area__name__icontains=keyword)
            )
        return queryset
