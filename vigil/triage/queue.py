"""The triage queue's counts and rows, at a cost that does not grow with the table.

Counts. The queue's partial index `decl_medical_scope` is ordered by (area
path, colour, ...). A jurisdiction is a range of area paths, so a count of one
colour over a province walked every waiting declaration of the province to
find that colour's (all 90,000 of them at 2M declarations, to count 0 green
ones). Every declaration's area path is the path of a unit, and a province
holds a few hundred units: `probe_scope` adds "the area path is one of the
units' paths below the scope" to the filters the list already has, and each
(path, colour) is then an equality the index seeks, so a count reads only
the colour's entries, at most the cap's. The "All" count is the sum of the
colours' (a colour count over the cap makes it over the cap too): four
capped counts in all, none of them over every colour.

A keyword bounds the rows (filters.KEYWORD_PEOPLE people): they are read
once (`keyword_rows`), counted and ordered here, instead of one query per tab.

Rows. A page shows 50 declarations: they are read as values (no model
instances), their places come from the per-process cache of units, and the
links are made from one reversed URL.
"""

import bisect
from collections import Counter
from operator import itemgetter
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils.timezone import localtime

from vigil.areas import refdata
from vigil.areas.models import AdminUnit
from vigil.areas.templatetags.places import district_of
from vigil.core import refcache
from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.paging import capped_count
from vigil.core.scope import scope_path
from vigil.declarations.models import Declaration, RiskColour

# Highest risk first in the colour tabs.
COLOURS = (RiskColour.RED, RiskColour.ORANGE, RiskColour.YELLOW, RiskColour.GREEN)
# Beyond this many units (a national account), the paths are not listed.
MAX_PROBE_PATHS = 1000


def _unit_paths():
    """Every unit's path (every tree), sorted; per process, under the
    reference stamp (a write to the units loads them again)."""
    return refcache.get(
        "triage.unit_paths",
        lambda: sorted(AdminUnit.objects.order_by().values_list("path", flat=True)),
    )


def paths_under(prefix):
    """The paths of the units at or below `prefix`, or None when too many."""
    paths = _unit_paths()
    start = end = bisect.bisect_left(paths, prefix)
    while end < len(paths) and paths[end].startswith(prefix):
        end += 1
        if end - start > MAX_PROBE_PATHS:
            return None
    return paths[start:end]


def probe_scope(user, form, qs):
    """`qs` (already scoped and filtered) narrowed to the area paths of the
    units below its narrowest place (the commune, else the district filtered
    on, else the jurisdiction): the same rows, found by index equality."""
    if getattr(user, "facility_id", None) or getattr(user, "establishment_id", None):
        return qs
    prefix = scope_path(user)
    if prefix is None or not form.is_valid():
        return qs
    for name in ("commune", "district"):
        unit = form.cleaned_data.get(name)
        if unit is not None and unit.path.startswith(prefix):
            prefix = unit.path
            break
    paths = paths_under(prefix)
    if paths is None:
        return qs
    return qs.filter(area_path__in=paths)


def keyword_rows(form, pending):
    """[(pk, colour, risk level, created at)] of every declaration the list
    finds by its keyword (every filter but the colour), or None without a
    keyword. A keyword bounds them (filters.KEYWORD_PEOPLE people): they are
    read once, for the tabs' counts and the page, instead of once per count."""
    if not (form.is_valid() and form.cleaned_data.get("q")):
        return None
    others = form.filter_qs(pending, skip=("colour",))
    return list(others.order_by().values_list("pk", "risk_colour", "risk_level", "created_at"))


_SORT_INDEX = {"id": 0, "risk_level": 2, "created_at": 3}


def sorted_pks(found, colour, order):
    """The pks of `keyword_rows` of `colour` (every colour when empty), in
    `order` (a SortChoice's)."""
    rows = [row for row in found if not colour or row[1] == colour]
    for name in reversed(order):  # stable sorts, the last key first
        rows.sort(key=itemgetter(_SORT_INDEX[name.lstrip("-")]), reverse=name.startswith("-"))
    return [row[0] for row in rows]


def colour_counts(user, form, pending, found=None):
    """{colour: (n, capped)} of the list each colour tab opens (every filter
    but the colour, then the colour): exact up to VIGIL_LIST_COUNT_CAP, capped
    beyond. `found`: the `keyword_rows`, when the list has a keyword."""
    if found is not None:
        cap = settings.VIGIL_LIST_COUNT_CAP
        counted = Counter(row[1] for row in found)
        return {c: (min(counted[c], cap), counted[c] > cap) for c in COLOURS}
    probe = probe_scope(user, form, form.filter_qs(pending, skip=("colour",)))
    return {c: capped_count(probe.filter(risk_colour=c)) for c in COLOURS}


def all_count(counts):
    """(n, capped) of every colour together, from `colour_counts`."""
    cap = settings.VIGIL_LIST_COUNT_CAP
    n = sum(k for k, _capped in counts.values())
    return min(n, cap), n > cap or any(capped for _k, capped in counts.values())


# Rows ------------------------------------------------------------------------

ROW_FIELDS = (
    "pk",
    "risk_colour",
    "code",
    "amended_after_decision",
    "proposed_colour",
    "arrival_date",
    "risk_reasons",
    "created_at",
    "area_id",
    "person__full_name",
    "person__id_number",
    "person__phone",
)
_PK = "999999999"


class QueueRow:
    """One declaration of the queue, as the page shows it."""

    __slots__ = (
        "pk",
        "colour",
        "colour_label",
        "full_name",
        "code",
        "amended",
        "masked_id_number",
        "masked_phone",
        "area_name",
        "district",
        "arrival",
        "reasons",
        "declared_at",
        "verify_url",
        "detail_url",
    )


def _places(area_ids):
    """{area id: (name, district name)}: from the cache of units, else one query."""
    return {
        pk: (unit.name, district_of(unit)) for pk, unit in refdata.units_by_id(area_ids).items()
    }


def queue_rows(back):
    """fetch(pks) for `load_page`: the page's rows; the verify links carry `back`."""
    labels = {value: str(label) for value, label in RiskColour.choices}
    verify = reverse("triage:verify", args=[_PK])
    detail = reverse("declarations:detail", args=[_PK]) + "#history"
    query = f"?back={quote(back, safe='/')}" if back else ""

    def fetch(pks):
        values = list(Declaration.objects.filter(pk__in=pks).values_list(*ROW_FIELDS))
        places = _places({v[8] for v in values})
        rows = []
        for values_row in values:
            (pk, colour, code, amended, proposed, arrival, reasons, created) = values_row[:8]
            area_id, name, id_number, phone = values_row[8:]
            row = QueueRow()
            row.pk = pk
            row.colour = colour
            row.colour_label = labels.get(colour, colour)
            row.full_name = name
            row.code = code
            row.amended = bool(amended or proposed)
            row.masked_id_number = mask_id_number(id_number)
            row.masked_phone = mask_phone(phone)
            row.area_name, row.district = places.get(area_id, ("", ""))
            row.arrival = arrival.strftime("%d/%m/%Y") if arrival else ""
            row.reasons = "; ".join(str(r) for r in reasons or ())
            row.declared_at = localtime(created).strftime("%d/%m/%Y %H:%M") if created else ""
            row.verify_url = verify.replace(_PK, str(pk)) + query
            row.detail_url = detail.replace(_PK, str(pk))
            rows.append(row)
        return rows

    return fetch
