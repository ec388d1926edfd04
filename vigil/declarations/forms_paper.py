"""Why a paper form was used (§II.12), asked when the form is digitised.

Paper is the last resort: where online declaration was possible it is a
violation that inspection teams look for. The digitisation clerk records the
reason next to the paper form's own fields; the paper-share statistics count
the reasons per commune (vigil.reports.stats.paper).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaperReason


class PaperReasonForm(forms.Form):
    """The reason (a short list, or "other" with its text) of one paper form.

    Optional, as the paper form's own fields were before it: a form typed
    without it counts as "not recorded" in the statistics, which is itself
    what an inspection asks about."""

    paper_reason = forms.ChoiceField(
        label=_("Why paper was used"),
        required=False,
        choices=[("", _("Not recorded")), *PaperReason.choices],
    )
    paper_reason_other = forms.CharField(
        label=_("Other reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean(self):
        data = super().clean()
        reason = data.get("paper_reason")
        other = " ".join((data.get("paper_reason_other") or "").split())
        if reason == PaperReason.OTHER and not other:
            self.add_error("paper_reason_other", _("Say why paper was used."))
        # The text belongs to "other" only; another reason keeps no stray text.
        data["paper_reason_other"] = other if reason == PaperReason.OTHER else ""
        return data

    def declaration_data(self):
        """The Declaration fields for `services.submit_declaration`."""
        return {
            "paper_reason": self.cleaned_data["paper_reason"],
            "paper_reason_other": self.cleaned_data["paper_reason_other"],
        }
