"""Places in exports, unambiguous: a place is written as its commune, district
and province in three columns, never as its own name alone ("Xã Hương Phong"
names two communes of the same province; "Quận Liên Chiểu" alone drops its
city).

The columns read the unit's id and name it from the units above it, read
once per export (`UnitNames`), each column picking the name of its level, so
the same columns serve both trees (three levels before 1 July 2025, two
after: the district column is then blank) and units of any level (a
departure may name a province only).

Headers are Vietnamese literals (the province's file format)."""

from vigil.core.levels import Level

from .exports import Column

LEVELS = (Level.COMMUNE, Level.DISTRICT, Level.PROVINCE)
HOME_COUNTRY = "VN"
NAMES = {Level.COMMUNE: "phường/xã", Level.DISTRICT: "quận/huyện", Level.PROVINCE: "tỉnh/thành phố"}


class UnitNames:
    """{level: name} of a unit and the units above it, by the unit's id, for
    one export: the tree's units above the villages are read once, on the
    first lookup (about 15,000 short rows), a village when it is met. Rows
    then carry only the unit's id: no join per level in the export's query,
    and a dictionary lookup per cell."""

    def __init__(self):
        self.names = {}
        self.loaded = False

    def __call__(self, pk):
        if pk is None:
            return {}
        found = self.names.get(pk)
        if found is None:
            found = self._load(pk)
        return found

    def _load(self, pk):
        from vigil.areas.models import AdminUnit

        if not self.loaded:
            self.loaded = True
            units = AdminUnit.objects.exclude(level=Level.VILLAGE).order_by()
            rows = {u[0]: u for u in units.values_list("pk", "parent_id", "level", "name")}
            for unit_pk in rows:
                names, at = {}, rows.get(unit_pk)
                while at is not None and at[2] not in names:
                    names[at[2]] = at[3]
                    at = rows.get(at[1])
                self.names[unit_pk] = names
        if pk not in self.names:  # a village (or a unit added since)
            unit = AdminUnit.objects.filter(pk=pk).first()
            chain = [unit, *unit.ancestors()] if unit is not None else []
            self.names[pk] = {u.level: u.name for u in chain}
        return self.names[pk]


def _names_at(level):
    """per_export: the name at `level` of the unit whose id the row holds."""

    def make(shared):
        names = shared.setdefault(UnitNames, UnitNames())
        return lambda pk: names(pk).get(level)

    return make


def place_columns(path, header="{}", width=20):
    """The commune, district and province of the unit at `path` ("area",
    "departure_unit"), each headed by the format `header` with the level's
    name: "{} đến" gives "Phường/xã đến", "Nơi đi ({})" "Nơi đi (phường/xã)"."""
    columns = []
    for level in LEVELS:
        name = NAMES[level].capitalize() if header.startswith("{}") else NAMES[level]
        columns.append(
            Column(
                header.format(name),
                source=f"{path}_id",
                per_export=_names_at(level),
                width=width,
            )
        )
    return columns


def _abroad(unit, country_code, country, place):
    """Where from when it is not a unit of Vietnam: the place and the country
    (in Vietnam without a unit: the place alone, if any)."""
    if unit is not None:
        return None
    if country_code == HOME_COUNTRY:
        return place or None
    return ", ".join(p for p in (place, country) if p) or None


def departure_columns():
    """Where from: commune, district and province in Vietnam, else the
    country and the place abroad."""
    return [
        *place_columns("departure_unit", "Nơi đi ({})"),
        Column(
            "Nơi đi (nước ngoài)",
            source=(
                "departure_unit_id",
                "departure_country_id",
                "departure_country__name",
                "departure_place",
            ),
            combine=_abroad,
            width=22,
        ),
    ]


def unit_places(units):
    """{unit pk: {level: name}} of `units` and every unit above them, for
    tables already computed (the board, the paper ranking): one query for
    all their parents."""
    from vigil.areas.models import AdminUnit

    wanted = {}
    for unit in units:
        codes = unit.path.strip("/").split("/")
        for n in range(1, len(codes)):
            wanted.setdefault(unit.tree, set()).add("/".join(codes[:n]) + "/")
    above = {}
    for tree, paths in wanted.items():
        for parent in AdminUnit.objects.filter(tree=tree, path__in=paths).only(
            "tree", "path", "name", "level"
        ):
            above[(tree, parent.path)] = parent
    out = {}
    for unit in units:
        codes = unit.path.strip("/").split("/")
        chain = [above.get((unit.tree, "/".join(codes[:n]) + "/")) for n in range(1, len(codes))]
        out[unit.pk] = {u.level: u.name for u in [*chain, unit] if u is not None}
    return out


def unit_place_columns(unit_of, header="{}", width=20):
    """Commune, district and province columns for computed rows: `unit_of(row)`
    gives the row's {level: name} (see `unit_places`)."""
    columns = []
    for level in LEVELS:
        name = NAMES[level].capitalize() if header.startswith("{}") else NAMES[level]
        columns.append(
            Column(
                header.format(name),
                lambda row, level=level: (unit_of(row) or {}).get(level),
                width=width,
            )
        )
    return columns
