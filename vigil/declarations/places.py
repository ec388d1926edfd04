"""A place of the province picked on a form and checked by a service: a
commune of the user's scope, and its village where the commune has villages.

Shared by the catalogues whose records sit at a place (outbreaks,
accommodation establishments): the form offers the communes grouped by
district and reloads the villages when the commune changes; the service
checks the choice, so that the page and the API give the same messages.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.scope import in_scope, scope_path

from .forms import unit_choices


def units_in_scope(user, level):
    """The units of `level` in `user`'s scope, in the home province."""
    path = scope_path(user)
    if path is None:
        return AdminUnit.objects.none()
    units = AdminUnit.objects.active_tree().in_home_province()
    return units.filter(path__startswith=path, level=level).order_by("path")


def setup_commune_and_village(form, user, area="area", village="village"):
    """Offer `form`'s commune field the communes of the user's scope (grouped
    by district), reload its village field when the commune changes, and
    give the village field the chosen commune's villages."""
    communes = units_in_scope(user, Level.COMMUNE)
    field = form.fields[area]
    field.queryset = communes
    field.choices = unit_choices(communes, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025)
    url = reverse("areas:options") + f"?from={form.add_prefix(area)}&level={Level.VILLAGE}"
    field.widget.attrs.update(
        {"hx-get": url, "hx-target": f"#id_{form.add_prefix(village)}", "hx-trigger": "change"}
    )
    commune = _chosen(form, communes, area)
    if commune is not None:
        form.fields[village].queryset = AdminUnit.objects.filter(
            parent=commune, level=Level.VILLAGE
        ).order_by("code")


def _chosen(form, communes, area):
    value = form.data.get(form.add_prefix(area)) if form.is_bound else None
    if value in (None, ""):
        value = form.initial.get(area)
    if value in (None, ""):
        return None
    try:
        return communes.filter(pk=value).first()
    except (ValueError, TypeError):
        return None


def has_villages(commune):
    return AdminUnit.objects.filter(parent=commune, level=Level.VILLAGE).exists()


def check_place(actor, values, errors):
    """Add to `errors` what is wrong with `values["area"]` (a commune of the
    province inside the actor's scope) and `values["village"]` (one of its
    villages; required where the commune has villages)."""
    commune, village = values.get("area"), values.get("village")
    if commune is None:
        errors["area"] = _("Choose the commune.")
        return
    home = AdminUnit.objects.home_province()
    if (
        commune.level != Level.COMMUNE
        or commune.tree != settings.VIGIL_AREA_TREE
        or not commune.path.startswith(home.path)
    ):
        errors["area"] = _("Choose a commune of the province.")
    elif not in_scope(actor, commune.path):
        errors["area"] = _("This commune is outside your area.")
    if village is not None:
        if village.level != Level.VILLAGE or village.parent_id != commune.pk:
            errors["village"] = _("This is not inside the place chosen above.")
    elif "area" not in errors and has_villages(commune):
        errors["village"] = _("Choose the village or residential group.")
