from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import DateOrderMixin, filter_date_range

from .models import Action


class AuditFilterForm(DateOrderMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    actor = forms.CharField(label=_("Account"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + Action.choices
    )
    object_type = forms.CharField(label=_("Record kind"), required=False)

    def filter_qs(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        qs = filter_date_range(qs, data, "at__date")
        if data["actor"]:
            qs = qs.filter(actor_name__icontains=data["actor"])
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["object_type"]:
            qs = qs.filter(object_type__icontains=data["object_type"])
        return qs
