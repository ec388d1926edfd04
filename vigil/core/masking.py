"""Masking of ID numbers and phones in lists (R-N4).

Lists show enough to tell two people apart at a glance, never enough to copy a
whole identifier: the first two and last three characters of an ID number, and
the first three and last three digits of a phone.
"""


def _mask(value, head, tail, fill="•"):
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) <= head + tail:
        # Too short to show both ends without revealing most of it.
        return fill * len(value)
    return value[:head] + fill * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value):
    """'046123456789' -> '04•••••••789'."""
    return _mask(value, 2, 3)


def mask_phone(value):
    """'0905123456' -> '090••••456'."""
    return _mask(value, 3, 3)
