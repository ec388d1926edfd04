"""The military command's queue: arrivals verified at quarantine intake, to be
verified in their home locality ("Xác minh người vào khu cách ly tập trung",
seed §I.2, R-V7). The rules are in vigil.verification.military.

Like the other verification queues: oldest first, filtered (dates, district,
commune, facility, keyword), paged, with the total and an Excel export; the
declarations are read through `visible_to` (out of scope: 404) and changed
only through `military.military_verify`, which checks the version.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import SEE_IDENTITY, VERIFY_QUARANTINED, may, requires
from vigil.core.scope import get_for_user
from vigil.declarations.models import Declaration, VerificationState
from vigil.declarations.services import StaleDeclaration
from vigil.declarations.transitions import TransitionRefused

from .. import military
from ..forms import MilitaryOutcomeForm, military_queue

PAGE_SIZE = 50
TITLE = gettext_lazy("Verify people taken into concentrated quarantine")
# The export of this queue is declared in vigil.reports.registry.
EXPORT_KEY = "verification_military"


@require_GET
@requires(VERIFY_QUARANTINED)
def queue(request):
    form, rows = military_queue(request.user, request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/military_queue.html",
        {
            "title": TITLE,
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "export_key": EXPORT_KEY,
        },
    )


def declaration_queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit", "created_by"
    )


def _render_verify(request, declaration, form, *, status=200):
    return render(
        request,
        "verification/military_verify.html",
        {
            "title": TITLE,
            "declaration": declaration,
            "person": declaration.person,
            "form": form,
            "is_waiting": declaration.verification_state == VerificationState.INTAKE,
            "show_identity": may(request.user, SEE_IDENTITY),
            "stay": military.stay_of(declaration),
            "cdc": military.cdc_decision(declaration),
            "events": declaration.events.select_related("actor", "from_area", "to_area"),
        },
        status=status,
    )


SUCCESS = {
    military.RETURNED: gettext_lazy("%(name)s: verified as returned to the locality."),
    military.FAILED: gettext_lazy("%(name)s: recorded as could not verify."),
}


@require_http_methods(["GET", "POST"])
@requires(VERIFY_QUARANTINED)
def verify(request, declaration_id):
    """The declaration, the stay, CDC's decision, and the outcome to record."""
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    if request.method != "POST":
        log(
            request,
            Action.VIEW,
            declaration,
            detail={"military_verify": True, "identity_shown": may(request.user, SEE_IDENTITY)},
        )
        form = MilitaryOutcomeForm(initial={"version": declaration.version})
        return _render_verify(request, declaration, form)

    form = MilitaryOutcomeForm(request.POST)
    if not form.is_valid():
        return _render_verify(request, declaration, form)
    data = form.cleaned_data
    try:
        done = military.military_verify(
            declaration,
            actor=request.user,
            version=data["version"],
            outcome=data["outcome"],
            note=data["note"],
        )
    except StaleDeclaration as exc:
        # Someone saved first: say who and when, keep what was typed, and move
        # the page to the current version so that a second save, after review,
        # goes through.
        values = request.POST.copy()
        values["version"] = str(exc.current.version)
        form = MilitaryOutcomeForm(values)
        form.is_valid()
        form.add_error(None, stale_message(exc.current))
        current = declaration_queryset().get(pk=declaration.pk)
        return _render_verify(request, current, form)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _render_verify(request, declaration, form)
    except TransitionRefused as exc:
        form.add_error(None, exc.message)
        return _render_verify(request, declaration, form)
    messages.success(request, SUCCESS[data["outcome"]] % {"name": done.person.full_name})
    return redirect("verification:military")
