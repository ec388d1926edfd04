"""Why a paper form was used (§II.12), asked when the form is digitised.

Paper is the last resort: where online declaration was possible it is a
violation that inspection teams look for. The digitisation clerk records the
reason next to the paper form's own fields; the paper-share statistics count
the reasons per commune (vigil.reports.stats.paper).
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import required
from .models import Channel, PaperReason


class PaperReasonForm(forms.Form):
    """The reason (a short list, or "other" with its text) of one paper form.

    Required when a clerk types a paper form in (required.paper_reason_required:
    the entry page and the staff API alike); forms saved before it was asked,
    and imported files, have none and count as "not recorded" in the statistics.
    """

    paper_reason = forms.ChoiceField(
        label=_("Why paper was used"),
        choices=[("", _("Choose…")), *PaperReason.choices],
        error_messages={"required": required.PAPER_REASON_MESSAGES["paper_reason"]},
    )
    paper_reason_other = forms.CharField(
        label=_("Other reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, channel=Channel.PAPER, imported=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        self.imported = imported
        self.fields["paper_reason"].required = required.paper_reason_required(channel, imported)

    def clean(self):
        data = super().clean()
        reason = data.get("paper_reason")
        other = " ".join((data.get("paper_reason_other") or "").split())
        for name, message in required.missing_paper_reason(
            self.channel, reason, other, self.imported
        ).items():
            if name not in self.errors:
                self.add_error(name, message)
        # The text belongs to "other" only; another reason keeps no stray text.
        data["paper_reason_other"] = other if reason == PaperReason.OTHER else ""
        return data

    def declaration_data(self):
        """The Declaration fields for `services.submit_declaration`."""
        return {
            "paper_reason": self.cleaned_data["paper_reason"],
            "paper_reason_other": self.cleaned_data["paper_reason_other"],
        }
