"""The police view (R-A2): the establishments of the jurisdiction with guests
tonight, the guests without a health declaration, those flagged red or
orange, the idle establishments and the guests in two establishments the same
night; each number opens its list; a drill-down table province -> district ->
commune -> establishment -> guests. The figures come from vigil.lodging.police,
as for the API."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vigil.core.permissions import EXPORT, POLICE_VIEW, may, requires

from .. import police

PAGE_SIZE = 50
SHOWN = ("idle", "twice")


@require_GET
@requires(POLICE_VIEW)
def police_view(request):
    """A few GROUP BY queries whatever the number of stays."""
    user = request.user
    unit = police.table_unit(user, request.GET.get("unit"))
    if unit is None:
        # A unit outside the jurisdiction (or none at all): nothing to show.
        raise Http404
    show = request.GET.get("show")
    table = police.by_area(user, unit)
    drilled = unit.path != (user.jurisdiction.path if user.jurisdiction_id else "")
    context = {
        "unit": unit,
        "unit_q": unit.pk if drilled else "",
        "crumbs": police.crumbs(user, unit),
        "figures": police.figures(user, unit, table),
        "table": table,
        "show": show if show in SHOWN else "",
        "may_export": may(user, EXPORT),
    }
    if show == "idle":
        page = _page(request, police.idle_list(user, unit if drilled else None))
        page.object_list = police.with_last_check_in(page.object_list)
        context["page"] = page
    elif show == "twice":
        context["page"] = _page(request, police.twice_list(user, unit if drilled else None))
    return render(request, "lodging/police.html", context)


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
