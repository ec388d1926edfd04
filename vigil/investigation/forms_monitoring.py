"""Forms of the medical monitoring screens (R-E5): the list's filters, the
daily check and the end of a period. The forms turn text into values; the
rules are in vigil.investigation.monitoring."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.forms import record_filter, search_filter
from vigil.core.scope import scope_path
from vigil.quarantine.forms import keyword_q

from .models import MonitoringCheck, MonitoringKind, MonitoringStatus

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
TABS = ("due", "missed", "active", "ended")


def communes_in_scope(user):
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    return AdminUnit.objects.active_tree().filter(path__startswith=path, level=Level.COMMUNE)


class MonitoringFilterForm(forms.Form):
    commune = record_filter(_("Commune"), AdminUnit.objects.none())
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All")), *MonitoringKind.choices]
    )
    q = search_filter(_("Name, ID number or phone"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = communes_in_scope(user).order_by("path")

    def filter_qs(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["commune"]:
            qs = qs.filter(area_path__startswith=data["commune"].path)
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["q"]:
            qs = qs.filter(keyword_q(data["q"]))
        return qs


class CheckForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(DATE_ATTRS))
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        max_digits=3,
        decimal_places=1,
        min_value=34,
        max_value=43,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MonitoringCheck.SYMPTOMS:
            label = MonitoringCheck._meta.get_field(name).verbose_name
            self.fields[name] = forms.BooleanField(label=label, required=False)
        # The symptoms before the note, as on the paper form.
        order = ["date", "temperature", *MonitoringCheck.SYMPTOMS, "note", "version"]
        self.order_fields(order)

    def symptoms(self):
        return {name: self.cleaned_data.get(name, False) for name in MonitoringCheck.SYMPTOMS}


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("End of monitoring"),
        choices=[(s.value, s.label) for s in (MonitoringStatus.COMPLETED, MonitoringStatus.LOST)],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
