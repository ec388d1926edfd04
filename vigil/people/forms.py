from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.scope import scope_path


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=_("ID number, phone or name"),
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "type": "search"}),
    )
    area = forms.ModelChoiceField(
        label=_("Commune"), required=False, queryset=AdminUnit.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        path = scope_path(user)
        units = AdminUnit.objects.none()
        if path is not None:
            units = AdminUnit.objects.active_tree().filter(
                path__startswith=path, level=Level.COMMUNE
            )
        self.fields["area"].queryset = units.order_by("path")

    def filter_qs(self, qs):
        """Narrow an already scoped queryset by the chosen commune (if any)."""
        if self.is_valid() and self.cleaned_data["area"]:
            qs = qs.filter(area_path__startswith=self.cleaned_data["area"].path)
        return qs
