"""The active filters of a list, as chips: "Label: value" with a link that
removes that one filter and keeps the others.

A chip shows what a person chose, in their words: a choice's label, a unit's
name, a date as dd/mm/yyyy, never a raw id. Its removal link keeps the other
filters and the order, and goes back to the first page (`list_url` drops the
paging parameters: a cursor of the narrower list means nothing in the wider).
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext as _

from .paging import list_url

MAX_VALUE = 40


@dataclass(frozen=True)
class Chip:
    name: str  # the query parameter
    label: str
    value: str
    remove_url: str


def _flat_choices(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # an optgroup
            yield from _flat_choices(label)
        else:
            yield str(value), str(label)


def _is_default(field, values):
    """True when `values` only repeat what the form starts with: a select
    whose first option is not empty ("Date of: declaration") is no filter."""
    if isinstance(field, forms.BooleanField):
        return values[-1].lower() in ("", "0", "false", "off", "no")
    initial = field.initial() if callable(field.initial) else field.initial
    if initial not in (None, "") and [str(initial)] == values:
        return True
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        first = next(_flat_choices(field.choices), None)
        return first is not None and first[0] != "" and values == [first[0]]
    return False


def _shorten(text):
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _display(form, name, field, values):
    """The chosen value as its reader knows it."""
    cleaned = getattr(form, "cleaned_data", {})
    if name not in cleaned:  # not valid: a unit outside the jurisdiction...
        if isinstance(field, forms.ModelChoiceField):
            return _("not available")
        return ", ".join(values)
    value = cleaned[name]
    if isinstance(field, forms.ModelMultipleChoiceField):
        return ", ".join(str(getattr(obj, "name", obj)) for obj in value)
    if isinstance(field, forms.ModelChoiceField):
        return str(getattr(value, "name", value))
    if isinstance(field, forms.ChoiceField):  # and MultipleChoiceField
        labels = dict(_flat_choices(field.choices))
        return ", ".join(labels.get(v, v) for v in values)
    if isinstance(field, forms.BooleanField):
        return _("Yes")
    if isinstance(value, datetime.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return ", ".join(values)


def active_filters(form, params, skip=()):
    """The chips of `form`'s filters that `params` (request.GET) sets.

    Hidden fields are left out (a tab carried in the form is not a filter the
    form shows), and so are the names in `skip`."""
    form.is_valid()  # cleaned_data, for the valid fields
    chips = []
    for bound in form:
        name, field = bound.html_name, bound.field
        if bound.name in skip or name in skip or bound.is_hidden:
            continue
        values = [v for v in params.getlist(name) if v.strip()]
        if not values or _is_default(field, values):
            continue
        chips.append(
            Chip(
                name=name,
                label=str(field.label or bound.name),
                value=_shorten(_display(form, bound.name, field, values)),
                remove_url=list_url(params, **{name: None}),
            )
        )
    return chips


def clear_url(form, params, skip=()):
    """The list without any of the filters `active_filters` shows (the order
    and the tabs kept)."""
    names = [
        bound.html_name
        for bound in form
        if not bound.is_hidden and bound.name not in skip and bound.html_name not in skip
    ]
    return list_url(params, **dict.fromkeys(names))
