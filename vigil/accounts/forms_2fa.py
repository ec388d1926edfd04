"""The form of the two-step verification pages (vigil.accounts.views_2fa)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    """One code: six digits from the authenticator app or, where `recovery`
    is allowed, one of the account's recovery codes."""

    code = forms.CharField(label=_("Code"), max_length=20, strip=True)

    def __init__(self, *args, recovery=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        )
        if recovery:
            field.help_text = _(
                "The 6-digit code your authenticator app shows now, or one of your recovery codes."
            )
        else:
            field.widget.attrs.update({"inputmode": "numeric", "pattern": "[0-9 ]*"})
            field.help_text = _("The 6-digit code your authenticator app shows now.")


class ReplaceForm(CodeForm):
    """Moving to a new phone: the new app's code, and a code of the old one
    (or a recovery code) to prove that the person at the keyboard holds it."""

    current = forms.CharField(
        label=_("Code from the old phone, or a recovery code"), max_length=20, strip=True
    )
    field_order = ["current", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = _("Code from the new phone")
        self.fields["current"].widget.attrs.update(
            {"autocomplete": "one-time-code", "spellcheck": "false"}
        )
        self.fields["code"].widget.attrs.pop("autofocus", None)
        self.fields["current"].widget.attrs["autofocus"] = True
