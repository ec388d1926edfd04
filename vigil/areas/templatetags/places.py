"""Places named without ambiguity in tables (#16): a commune's name is not
unique in a province ("Xã Hương Phong" is in Thị xã Hương Trà and in Huyện
A Lưới), so a table naming a commune names its district too.

`{{ unit|district_of }}` is the district above a commune (or a village's
commune's): the parent the page's query joined (select_related("area__parent"),
which the lists do), else the per-process cache of the tree (vigil.areas.refdata):
never a query per row. "" where the tree
has no district above it (the current two-level tree).

{% load places %}
<td>{{ d.area.name }}{% with district=d.area|district_of %}{% if district %}
  <div class="small text-muted">{{ district }}</div>{% endif %}{% endwith %}</td>
"""

from django import template

from vigil.areas import refdata
from vigil.areas.models import Level

register = template.Library()


@register.filter
def district_of(unit):
    """The name of the district `unit` (a commune or village) lies in, or ""."""
    if unit is None or getattr(unit, "level", None) not in (Level.COMMUNE, Level.VILLAGE):
        return ""
    parent = parent_of(unit)
    if parent is not None and parent.level == Level.COMMUNE:
        parent = parent_of(parent)
    return parent.name if parent is not None and parent.level == Level.DISTRICT else ""


def parent_of(unit):
    """The unit above `unit`: the one the page's query joined (select_related,
    no query at all), else the per-process tree cache's."""
    if type(unit).parent.is_cached(unit):
        return unit.parent
    return refdata.units().get(unit.parent_id)


def place_names(area_ids, *, named_with_parent=None):
    """{area id: "unit, the unit above"} for a page's rows, from the tree
    cache (else one query, `refdata.units_by_id`). `named_with_parent`: the
    levels whose units are named with the one above them (every level when
    None); the others by their own name only."""
    names = {}
    for pk, unit in refdata.units_by_id(area_ids).items():
        wanted = named_with_parent is None or unit.level in named_with_parent
        parent = parent_of(unit) if wanted else None
        names[pk] = f"{unit.name}, {parent.name}" if parent else unit.name
    return names


@register.filter
def jurisdiction_name(user):
    """The name of `user`'s jurisdiction from the per-process tree cache: the
    menu shows it on every page, and reading it there cost each page a query."""
    unit_id = getattr(user, "jurisdiction_id", None)
    if not unit_id:
        return ""
    unit = refdata.units().get(unit_id)
    return unit.name if unit is not None else user.jurisdiction.name
