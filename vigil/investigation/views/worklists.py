"""The investigation's worklists: "reclassified" (records a cascade moved,
until one of their communes acts) and the chain checks CDC works through."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.core.permissions import EDIT_CASES, READ_CASES, may, requires

from .. import chain, services
from .. import worklists as queues
from ..forms import SendForm, VersionForm
from ..models import Case, CaseEvent
from .cases import case_for

PAGE_SIZE = 50


@require_GET
@requires(READ_CASES)
def reclassified(request):
    user = request.user
    # The page's ids from the worklist's one definition, then their rows and
    # their level before the move (two more queries for the page).
    ids = queues.reclassified(user).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = Case.objects.select_related("person", "residence__parent", "facility").in_bulk(
        list(page)
    )
    previous = _previous_levels(rows)
    page.object_list = [rows[pk] for pk in page if pk in rows]
    for case in page.object_list:
        case.previous_level = previous.get(case.pk)
    return render(
        request,
        "investigation/reclassified.html",
        {
            "page": page,
            "total": page.paginator.count,
            "may_edit": may(user, EDIT_CASES),
            "send_form": SendForm(user=user, prefix="send") if may(user, EDIT_CASES) else None,
        },
    )


def _previous_levels(cases):
    """{case id: its level before the latest move of the chain}."""
    events = CaseEvent.objects.filter(case__in=list(cases), action="level").order_by(
        "case_id", "-at", "-id"
    )
    previous = {}
    for event in events.only("case_id", "from_data"):
        previous.setdefault(event.case_id, (event.from_data or {}).get("level"))
    return previous


@require_POST
@requires(EDIT_CASES)
def reclassified_done(request, case_id):
    case = case_for(request, case_id)
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: nothing was changed."))
        return redirect("investigation:reclassified")
    try:
        services.acknowledge_reclassified(
            case, actor=request.user, version=form.cleaned_data["version"]
        )
    except services.StaleCase as exc:
        messages.error(request, services.stale_message(exc.current))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("%(case)s taken off the list.") % {"case": case})
    return redirect("investigation:reclassified")


@require_GET
@requires(READ_CASES)
def chain_checks(request):
    found = chain.issues(Case.objects.visible_to(request.user))
    groups = {}
    for issue in found:
        groups.setdefault(issue.code, []).append(issue)
    return render(
        request,
        "investigation/checks.html",
        {
            "groups": [
                (code, chain.CHECKS[code], groups[code]) for code in chain.CHECKS if code in groups
            ],
            "total": len(found),
        },
    )
