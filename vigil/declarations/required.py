"""The places a declaration must name where the seed marks them required (*),
and why a paper form was used.

One rule for every channel: `DeclarationForm.clean` applies it, and the web
form, the API (which validates through that form), staff entry and the paper
import (through `StaffDeclarationForm`) all get it from there.

- Departure inside Vietnam: the district and the commune, as far as the tree
  has them under the province chosen (the current tree has no districts).
- Destination: the village / residential group, only where the commune has
  villages imported (most have none until the province imports its list).

Whether a unit has units of a level below it comes from one per-process set
per level (vigil.core.refcache): no query per declaration.

A paper form typed in by staff says why paper was used (§II.12, #16): the
entry page (forms_paper.PaperReasonForm) and the staff API (which validates
through that form) ask it; the paper import does not.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.core import refcache

from .models import Channel, PaperReason

MESSAGES = {
    "departure_district": _("Choose the district you came from."),
    "departure_commune": _("Choose the commune you came from."),
    "village": _("Choose the village or residential group."),
}


def parents_with(level):
    """The primary keys of the units that have units of `level` right under them."""
    tree = settings.VIGIL_AREA_TREE

    def build():
        units = AdminUnit.objects.using(DEFAULT_DB_ALIAS).filter(tree=tree, level=level)
        return frozenset(units.values_list("parent_id", flat=True).distinct())

    return refcache.get(("declarations.parents_with", tree, level), build)


LEVELS = {
    "departure_district": Level.DISTRICT,
    "departure_commune": Level.COMMUNE,
    "village": Level.VILLAGE,
}


def required_places(vietnam, province, district, area):
    """{field: message} of the place fields required for the units chosen
    above them (None: not chosen); `vietnam`: the departure is inside Vietnam."""
    wanted = []
    if vietnam and province is not None:
        has_districts = province.pk in parents_with(Level.DISTRICT)
        if has_districts:
            wanted.append(("departure_district", province))
        if district is not None or not has_districts:
            wanted.append(("departure_commune", district if district is not None else province))
    if area is not None:
        wanted.append(("village", area))
    return {
        name: MESSAGES[name] for name, parent in wanted if parent.pk in parents_with(LEVELS[name])
    }


def missing_places(data, vietnam):
    """{field: message} for the required places that `data` (cleaned data) lacks."""
    wanted = required_places(
        vietnam,
        data.get("departure_province"),
        data.get("departure_district"),
        data.get("area"),
    )
    return {name: message for name, message in wanted.items() if not data.get(name)}


# Why a paper form was used (§II.12) ---------------------------------------------

PAPER_REASON_MESSAGES = {
    "paper_reason": _("Choose why paper was used."),
    "paper_reason_other": _("Say why paper was used."),
}


def paper_reason_required(channel, imported=False):
    """Whether a declaration of `channel` must say why paper was used: a paper
    form typed in by staff (the entry page and the staff API). An imported
    file need not (the province's template has no column for it, and old files
    were filled before it was asked): those count as "not recorded"."""
    return channel == Channel.PAPER and not imported


def missing_paper_reason(channel, reason, other, imported=False):
    """{field: message} for the reason of a paper form that `reason` and
    `other` (its text, for "other") leave out."""
    missing = {}
    if paper_reason_required(channel, imported) and not reason:
        missing["paper_reason"] = PAPER_REASON_MESSAGES["paper_reason"]
    if reason == PaperReason.OTHER and not " ".join((other or "").split()):
        missing["paper_reason_other"] = PAPER_REASON_MESSAGES["paper_reason_other"]
    return missing
