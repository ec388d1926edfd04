from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    actor = forms.CharField(label=_("Account"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + Action.choices
    )
    object_type = forms.CharField(label=_("Record kind"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter_qs(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["date_from"]:
            qs = qs.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            qs = qs.filter(at__date__lte=data["date_to"])
        if data["actor"]:
            qs = qs.filter(actor_name__icontains=data["actor"])
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["object_type"]:
            qs = qs.filter(object_type__icontains=data["object_type"])
        return qs
