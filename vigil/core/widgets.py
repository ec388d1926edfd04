"""<select>s and <input>s rendered in Python, the same HTML as Django's
templates give.

Django renders a select through its template engine, one included template
per <option>: the commune filter of a province (150 communes in their
districts) cost more than the 50 rows of the list it filters. `QuickSelect`
builds the same markup with string formatting; `tests/core/test_widgets.py`
compares the two byte for byte.
"""

import copy

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs):
    """As django/forms/widgets/attrs.html writes them."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {conditional_escape(name)}")
        else:
            out.append(f' {conditional_escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308  (every part escaped above)


class QuickInputMixin:
    """An <input> as django/forms/widgets/input.html writes it."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value = widget["value"]
        shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return mark_safe(  # noqa: S308  (every part escaped)
            f'<input type="{conditional_escape(widget["type"])}" '
            f'name="{conditional_escape(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
        )


# Inputs whose templates only include input.html: each gets a quick twin.
_INPUTS = (
    forms.TextInput, forms.DateInput, forms.NumberInput, forms.EmailInput, forms.URLInput,
    forms.HiddenInput, forms.DateTimeInput, forms.TimeInput,
)  # fmt: skip
_QUICK = {forms.Select: QuickSelect} | {
    cls: type(f"Quick{cls.__name__}", (QuickInputMixin, cls), {}) for cls in _INPUTS
}


def quick(widget):
    """`widget` as its quick twin when it is one of Django's own plain
    widgets (a subclass may have a template of its own), else itself."""
    twin = _QUICK.get(type(widget))
    if twin is None:
        return widget
    fast = copy.copy(widget)
    fast.__class__ = twin
    return fast
