"""The upload form of the paper guest register: the file, and for the police
the establishment of their area whose register it is."""

from django import forms
from django.utils.translation import gettext_lazy as _

from vigil.core.xlsx import XlsxUploadForm

from .models import Establishment


def importable(user):
    """The establishments `user` may import a register for: its own, or the
    open ones of its area."""
    return Establishment.objects.visible_to(user).open().order_by("name", "id")


class RegisterImportForm(XlsxUploadForm):
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none()
    )

    field_order = ["establishment", "file"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.own = getattr(user, "establishment", None)
        if self.own is not None:
            del self.fields["establishment"]  # an establishment imports its own register
        else:
            self.fields["establishment"].queryset = importable(user)

    def chosen(self):
        return self.own if self.own is not None else self.cleaned_data["establishment"]
