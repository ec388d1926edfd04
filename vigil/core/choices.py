"""`get_FOO_display()` without rebuilding the field's choices on every call.

Django's implementation makes a dict of the field's choices, hashable copies
of each, and so casts every lazy label to text, on each call: a list of 50
declarations asked for three labels a row and spent a tenth of its time
there. `QuickDisplay` keeps one table of labels per field and language for
the life of the process (the labels come from the code and the compiled
catalogues, which do not change while it runs).
"""

import functools

from django.utils.translation import get_language


@functools.cache
def _labels(field, language):
    return {value: str(label) for value, label in field.flatchoices}


class QuickDisplay:
    """Mixed into a model: its get_FOO_display() read the cached table."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            return _labels(field, get_language()).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return super()._get_FIELD_display(field)
