"""Vietnamese phone numbers in their common spellings, stored as 0xxxxxxxxx."""

import functools

import phonenumbers
from django import forms
from django.utils.translation import gettext as _


def normalize_phone(value):
    """'+84 905 123 456', '84905123456', '0905.123.456' -> '0905123456'; None if invalid.

    Only Vietnamese numbers are accepted: the OTP is sent by a Vietnamese SMS
    gateway and staff call back on local lines.
    """
    if value is None:
        return None
    return _normalize(str(value))


@functools.lru_cache(maxsize=4096)
def _normalize(value):
    """normalize_phone of a string, kept per process (a phone signs in, then
    declares for itself and its family: the same numbers again and again)."""
    raw = "".join(ch for ch in value if ch.isdigit() or ch == "+")
    if not raw:
        return None
    if raw.startswith("84") and not raw.startswith("+") and len(raw) >= 11:
        raw = "+" + raw
    try:
        number = phonenumbers.parse(raw, "VN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 84 or not phonenumbers.is_valid_number(number):
        return None
    return "0" + str(number.national_number)


class PhoneField(forms.CharField):
    """A form field for a Vietnamese phone: cleaned to its normal form."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        phone = normalize_phone(value)
        if phone is None:
            raise forms.ValidationError(
                _("Enter a Vietnamese phone number, e.g. 0905 123 456 or +84 905 123 456.")
            )
        return phone
