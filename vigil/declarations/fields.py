"""Form fields of the declaration forms that validate from the per-process
reference cache (vigil.areas.refdata) instead of a query per field."""

from django import forms


class _LazyChoiceIterator(forms.models.ModelChoiceIterator):
    """The options of the field's queryset as it is when they are read (Django's
    iterator keeps the queryset it was made with)."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class CachedChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that validates from the per-process reference cache
    (vigil.areas.refdata) instead of a query, while its queryset is the one
    `accept_from_cache` was given: the queryset (built when first read) still
    renders the options, and code that sets another queryset gets the plain
    field back."""

    iterator = _LazyChoiceIterator
    _queryset_factory = None
    _cached = None

    def accept_from_cache(self, queryset, lookup, accepts):
        """`queryset()`: the options, built only if something reads them (a
        page renders them); `lookup(value)`: the cached instance or None;
        `accepts(instance)`: whether the queryset holds it."""
        forms.ModelChoiceField._set_queryset(self, None)
        self._queryset_factory = queryset
        self._cached = (lookup, accepts)

    def _get_queryset(self):
        if self._queryset_factory is not None:
            factory, self._queryset_factory = self._queryset_factory, None
            forms.ModelChoiceField._set_queryset(self, factory())
        return self._queryset

    def _set_queryset(self, queryset):
        # Another queryset: validate from it, as a plain ModelChoiceField does.
        self._queryset_factory = self._cached = None
        forms.ModelChoiceField._set_queryset(self, queryset)

    queryset = property(_get_queryset, _set_queryset)

    def to_python(self, value):
        if self._cached is None:
            return super().to_python(value)
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        if hasattr(value, "_meta"):
            value = value.pk
        lookup, accepts = self._cached
        found = lookup(value)
        if found is None or not accepts(found):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found
