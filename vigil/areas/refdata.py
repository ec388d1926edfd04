"""The administrative units of the active tree and the countries, cached per
process (vigil.core.refcache: a write to either table, anywhere, loads them
again at the next use).

Every declaration resolves up to five units and a country; each lookup here
is a dictionary access instead of a query. What callers get are new model
instances each time, built from the cached rows: changing one changes
nothing else. Loaded from the primary database, the one the stamp is read
from: a lagging replica must not be cached under a newer stamp.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from vigil.core import refcache

from .models import AdminUnit, Country, Level

UNIT_FIELDS = tuple(f.attname for f in AdminUnit._meta.concrete_fields)
COUNTRY_FIELDS = tuple(f.attname for f in Country._meta.concrete_fields)


def _pk(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class Units:
    """The units of one tree: by primary key and by code."""

    def __init__(self, rows):
        pk, code = UNIT_FIELDS.index("id"), UNIT_FIELDS.index("code")
        self._rows = {row[pk]: row for row in rows}
        self._codes = {row[code]: row[pk] for row in rows}

    def get(self, pk):
        """The unit with this primary key (an int or its text), else None."""
        row = self._rows.get(_pk(pk))
        return AdminUnit.from_db("default", UNIT_FIELDS, row) if row else None

    def by_code(self, code):
        pk = self._codes.get(code)
        return self.get(pk) if pk is not None else None

    def home(self):
        """The deployment's home province (AdminUnit.DoesNotExist when not loaded)."""
        unit = self.by_code(settings.VIGIL_HOME_PROVINCE)
        if unit is None or unit.level != Level.PROVINCE:
            raise AdminUnit.DoesNotExist("The home province is not loaded.")
        return unit


class Countries:
    def __init__(self, rows):
        pk = COUNTRY_FIELDS.index("code")
        self._rows = {row[pk]: row for row in rows}

    def get(self, code):
        row = self._rows.get(code) if isinstance(code, str) else None
        return Country.from_db("default", COUNTRY_FIELDS, row) if row else None


def units():
    tree = settings.VIGIL_AREA_TREE

    def load():
        units = AdminUnit.objects.using(DEFAULT_DB_ALIAS).filter(tree=tree)
        return Units(list(units.values_list(*UNIT_FIELDS)))

    return refcache.get(("areas.units", tree), load)


def units_by_id(ids):
    """{id: unit} of the units `ids` for a page's rows: from the per-process
    tree, and those it lacks (another tree) in one query with their parents."""
    tree = units()
    found = {pk: tree.get(pk) for pk in ids}
    missing = [pk for pk, unit in found.items() if unit is None]
    if missing:
        for unit in AdminUnit.objects.filter(pk__in=missing).select_related("parent__parent"):
            found[unit.pk] = unit
    return {pk: unit for pk, unit in found.items() if unit is not None}


def countries():
    return refcache.get(
        "areas.countries",
        lambda: Countries(
            list(Country.objects.using(DEFAULT_DB_ALIAS).values_list(*COUNTRY_FIELDS))
        ),
    )


def _paths_above_units():
    """Every path some unit lies below, of any tree: the proper prefixes of
    every unit's path ("46/" and "46/474/" for "46/474/19789/")."""
    above = set()
    paths = AdminUnit.objects.using(DEFAULT_DB_ALIAS).values_list("path", flat=True)
    for path in paths.iterator():
        codes = path.split("/")[:-1]
        for depth in range(1, len(codes)):
            above.add("/".join(codes[:depth]) + "/")
    return frozenset(above)


def has_units_below(path):
    """Whether any administrative unit, of either tree, lies below `path`
    (a commune's villages, a district's communes). Rows copy their unit's
    path, so when none does, every row inside `path` has that very path
    (`ScopedQuerySet.visible_to(..., one_path=True)`)."""
    return path in refcache.get("areas.paths_above_units", _paths_above_units)
