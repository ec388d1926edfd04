"""Forms of the investigation page (R-E3): an itinerary row and an attachment.

The forms turn text into values (a time typed "15h30"); the services in
vigil.investigation.itinerary and .attachments decide and write.
"""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.declarations.fields import GroupedUnitField, unit_choices

from . import attachments
from .itinerary import parse_time
from .models import Outbreak

DATE_ATTRS = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}


def province_communes():
    """Where a person may have been: any commune of the province."""
    home = AdminUnit.objects.home_province()
    return (
        AdminUnit.objects.active_tree()
        .filter(path__startswith=home.path, level=Level.COMMUNE)
        .order_by("path")
    )


class EntryForm(forms.Form):
    """One row of the timeline: time, date, movements, outbreak or commune."""

    time = forms.CharField(
        label=_("Time"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"placeholder": "15h30", "size": 6, "autocomplete": "off"}),
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(DATE_ATTRS))
    description = forms.CharField(
        label=_("Movements"),
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    outbreak = forms.ModelChoiceField(
        label=_("Outbreak"), required=False, queryset=Outbreak.objects.none()
    )
    place = GroupedUnitField(label=_("Commune"), required=False, queryset=AdminUnit.objects.none())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("date", "time", "description", "outbreak", "place")

    def __init__(self, *args, user, instance=None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "date": instance.date,
                "time": instance.time.strftime("%H:%M") if instance.time else "",
                "description": instance.description,
                "outbreak": instance.outbreak_id,
                "place": instance.place_id,
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        self.fields["outbreak"].queryset = Outbreak.objects.visible_to(user).order_by("name")
        communes = province_communes()
        self.fields["place"].queryset = communes
        self.fields["place"].choices = unit_choices(
            communes, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025
        )

    def clean_time(self):
        try:
            value = parse_time(self.cleaned_data["time"])
        except ValueError:
            raise forms.ValidationError(_("Enter a time such as 15h30 or 15:30.")) from None
        return value

    def clean_description(self):
        return " ".join(self.cleaned_data["description"].split())

    def values(self):
        return {name: self.cleaned_data.get(name) for name in self.FIELDS}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": attachments.ACCEPT}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        refused = attachments.refused_upload(request) if request is not None else ""
        if refused:
            # Dropped while it streamed in: say why, not "required".
            self.fields["file"].error_messages["required"] = refused
