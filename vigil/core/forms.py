"""Fields and checks the filter forms of every app share.

What differs (the records offered, the date a range applies to) is passed in:
this module knows no app.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

SEARCH_ATTRS = {"type": "search", "autocomplete": "off"}


def record_filter(label, queryset):
    """An optional choice of one record, "All" when left empty.

    Filter forms pass an empty queryset (`Model.objects.none()`) and set the
    records in scope of the user in __init__.
    """
    return forms.ModelChoiceField(
        label=label, required=False, queryset=queryset, empty_label=_("All")
    )


def search_filter(label, **kwargs):
    """An optional keyword box (name, ID number, phone...)."""
    return forms.CharField(
        label=label, required=False, widget=forms.TextInput(attrs=dict(SEARCH_ATTRS)), **kwargs
    )


class DateOrderMixin:
    """Refuses a date_to before date_from (put before forms.Form in the bases)."""

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def filter_date_range(qs, data, lookup):
    """`qs` narrowed to `lookup` (a date field or lookup, e.g. "at__date")
    between data["date_from"] and data["date_to"], each when given."""
    if data.get("date_from"):
        qs = qs.filter(**{f"{lookup}__gte": data["date_from"]})
    if data.get("date_to"):
        qs = qs.filter(**{f"{lookup}__lte": data["date_to"]})
    return qs
