"""Forms of the outbreak catalogue: an outbreak, and the list's filters.

The form turns text into values and offers the communes of the user's scope;
vigil.investigation.outbreaks validates (village, bounding box, dates) and
writes, so that the page and the API give the same messages.
"""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.forms import record_filter, search_filter
from vigil.core.scope import scope_path
from vigil.declarations.forms import GroupedUnitField, unit_choices

from .models import OutbreakStatus
from .outbreaks import FIELDS

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
COORD_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "step": "0.000001"}


def _units_in_scope(user, level):
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    units = AdminUnit.objects.active_tree().in_home_province()
    return units.filter(path__startswith=path, level=level).order_by("path")


def _pre2025():
    return settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025


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
        communes = _units_in_scope(user, Level.COMMUNE)
        area = self.fields["area"]
        area.queryset = communes
        area.choices = unit_choices(communes, _pre2025())
        url = reverse("areas:options") + f"?from={self.add_prefix('area')}&level={Level.VILLAGE}"
        area.widget.attrs.update(
            {
                "hx-get": url,
                "hx-target": f"#id_{self.add_prefix('village')}",
                "hx-trigger": "change",
            }
        )
        commune = self._chosen_commune(communes)
        if commune is not None:
            self.fields["village"].queryset = AdminUnit.objects.filter(
                parent=commune, level=Level.VILLAGE
            ).order_by("code")

    def _chosen_commune(self, communes):
        value = self.data.get(self.add_prefix("area")) if self.is_bound else None
        if value in (None, ""):
            value = self.initial.get("area")
        if value in (None, ""):
            return None
        try:
            return communes.filter(pk=value).first()
        except (ValueError, TypeError):
            return None

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
        self.fields["district"].queryset = _units_in_scope(user, Level.DISTRICT)

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
