"""Form fields of the declaration forms that validate from the per-process
reference cache (vigil.areas.refdata) instead of a query per field."""

from django import forms
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from vigil.areas.models import AdminUnit, Level
from vigil.core import refcache


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


class GroupedUnitField(CachedChoiceField):
    """Communes grouped by district in one <select>: fast to pick by keyboard."""

    def label_from_instance(self, obj):
        return obj.name


def unit_choices(queryset, group_by_parent):
    """[(district name, [(pk, commune name), ...]), ...] for a grouped select."""
    if not group_by_parent:
        return [("", "---------")] + [(u.pk, u.name) for u in queryset]
    groups, current, items = [("", "---------")], None, None
    for unit in queryset.select_related("parent"):
        if unit.parent_id != current:
            items = []
            groups.append((unit.parent.name, items))
            current = unit.parent_id
        items.append((unit.pk, unit.name))
    return groups


def commune_choices(home_pk, home_path):
    """The grouped commune choices of the home province, built once per process
    and again after any change to the units (the reference stamp, refcache).

    `DeclarationForm` passes it as a callable: only a page that renders the
    <select> builds or reads them, never an API call.
    """
    tree = settings.VIGIL_AREA_TREE

    def build():
        communes = (
            AdminUnit.objects.using(DEFAULT_DB_ALIAS)
            .filter(path__startswith=home_path, level=Level.COMMUNE, tree=tree)
            .order_by("path")
        )
        return unit_choices(communes, tree == AdminUnit.TREE_PRE2025)

    return refcache.get(("declarations.commune_choices", tree, home_pk, home_path), build)
