from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.forms import DateOrderMixin, filter_date_range

from .describe import RECORDS
from .models import Action


def record_kinds():
    kinds = sorted((str(word), key) for key, (word, *_rest) in RECORDS.items())
    return [("", _("All"))] + [(key, word.capitalize()) for word, key in kinds]


class AuditFilterForm(DateOrderMixin, forms.Form):
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
    actor = forms.CharField(label=_("Account"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("All"))] + Action.choices
    )
    object_type = forms.ChoiceField(label=_("Record kind"), required=False, choices=record_kinds)
    # Set by a record's "history" link: that one record's events.
    object_id = forms.CharField(required=False, widget=forms.HiddenInput)

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
            qs = qs.filter(object_type=data["object_type"])
            if data["object_id"]:
                qs = qs.filter(object_id=data["object_id"])
        return qs
