"""ID number formats (R-D6): CMND 9 digits, CCCD 12 digits, passports, birth certificates."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import IdKind

_RULES = {
    IdKind.CMND: (re.compile(r"^[0-9]{9}$"), _("A CMND number has exactly 9 digits.")),
    IdKind.CCCD: (re.compile(r"^[0-9]{12}$"), _("A CCCD number has exactly 12 digits.")),
    IdKind.PASSPORT: (
        re.compile(r"^[A-Z0-9]{6,12}$"),
        _("A passport number has 6 to 12 letters and digits."),
    ),
    IdKind.BIRTH_CERT: (
        re.compile(r"^[A-Z0-9./-]{1,20}$"),
        _("A birth certificate number has up to 20 letters, digits, '/', '.' or '-'."),
    ),
}


def normalize_id_number(value):
    """Upper-case, without spaces: staff type '046 123 456 789' from cards."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_id_number(kind, value):
    """Raise ValidationError when `value` does not fit `kind`; returns the normal form."""
    value = normalize_id_number(value)
    if kind == IdKind.OTHER:
        return value
    if not value:
        raise ValidationError(_("Enter the ID number."), code="required")
    pattern, message = _RULES[kind]
    if not pattern.match(value):
        raise ValidationError(message, code="invalid")
    return value
