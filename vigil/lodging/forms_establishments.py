"""Forms of the establishment catalogue: an establishment, the list's
filters and a PMS key's name.

The form turns text into values and offers the communes of the user's scope;
vigil.lodging.catalogue validates (village, licence, phone, rooms) and
writes, so that the page and the API give the same messages.
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.forms import record_filter, search_filter
from vigil.declarations.fields import GroupedUnitField
from vigil.declarations.places import setup_commune_and_village, units_in_scope

from .catalogue import FIELDS
from .models import EstablishmentKind, EstablishmentStatus


class EstablishmentForm(forms.Form):
    name = forms.CharField(label=_("Name of the establishment"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EstablishmentKind.choices)
    licence_number = forms.CharField(label=_("Licence number"), max_length=64, required=False)
    area = GroupedUnitField(label=_("District / commune"), queryset=AdminUnit.objects.none())
    village = forms.ModelChoiceField(
        label=_("Village / residential group"), queryset=AdminUnit.objects.none(), required=False
    )
    address = forms.CharField(label=_("House number, street"), max_length=300, required=False)
    rooms = forms.IntegerField(
        label=_("Number of rooms"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EstablishmentStatus.choices)
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

    def values(self):
        return {name: self.cleaned_data.get(name) for name in FIELDS}


class EstablishmentFilterForm(forms.Form):
    district = record_filter(_("District"), AdminUnit.objects.none())
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *EstablishmentKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *EstablishmentStatus.choices]
    )
    q = search_filter(_("Search"), max_length=100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts = units_in_scope(user, Level.DISTRICT)
        communes = units_in_scope(user, Level.COMMUNE)
        self.fields["district"].queryset = districts
        self.fields["commune"].queryset = communes
        if user.establishment_id or districts.count() < 2:
            self.fields["district"].widget = forms.HiddenInput()
        if user.establishment_id or communes.count() < 2:
            self.fields["commune"].widget = forms.HiddenInput()

    def filter_qs(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data.get("district"):
            queryset = queryset.filter(area_path__startswith=data["district"].path)
        if data.get("commune"):
            queryset = queryset.filter(area_path__startswith=data["commune"].path)
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("status"):
            queryset = queryset.filter(status=data["status"])
        keyword = " ".join((data.get("q") or "").split())
        if keyword:
            queryset = queryset.filter(
                Q(name__icontains=keyword)
                | Q(address__icontains=keyword)
                | Q(licence_number__icontains=keyword)
                | Q(phone__icontains=keyword)
            )
        return queryset


class PmsTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Key name"), max_length=100, help_text=_("e.g. the hotel's front-desk software")
    )
