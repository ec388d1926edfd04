"""Approval of registrations to return ("Duyệt đăng ký về địa phương", R-V4).

The queue lists the registrations waiting for a decision whose destination is
inside the viewer's jurisdiction, oldest first, filtered by date, district,
commune, reason and keyword, with the total. Each can be approved, or
rejected with a reason, on the queue itself or on its own page, which shows
the registration whole and its history. A decision made on a page opened
before someone else's is refused with who changed it, keeping what was typed.

Registrations are read only through `Registration.objects.visible_to` /
`get_for_user` and changed only through vigil.verification.registrations.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import APPROVE_REGISTRATION, SEE_IDENTITY, may, requires
from vigil.core.scope import get_for_user
from vigil.declarations.transitions import TransitionRefused

from .. import registrations
from ..approval_filters import RegistrationFilterForm, registration_queryset
from ..forms import ApprovalForm

PAGE_SIZE = 50


@require_GET
@requires(APPROVE_REGISTRATION)
def queue(request):
    """Registrations to return waiting for the locality's decision, oldest first."""
    form = RegistrationFilterForm(request.GET, user=request.user)
    rows = form.filter_qs(
        registration_queryset().visible_to(request.user).awaiting_decision()
    ).order_by("created_at", "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/registrations/queue.html",
        {"form": form, "page": page, "total": page.paginator.count},
    )


@require_http_methods(["GET", "POST"])
@requires(APPROVE_REGISTRATION)
def decide(request, registration_id):
    """One registration, its history, and the decision. The queue posts here; a
    refused decision comes back on this page with the message and what was typed."""
    registration = get_for_user(registration_queryset(), request.user, pk=registration_id)
    if request.method != "POST":
        log(
            request,
            Action.VIEW,
            registration,
            detail={"identity_shown": may(request.user, SEE_IDENTITY)},
        )
        form = ApprovalForm(initial={"version": registration.version})
        return _render(request, registration, form)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _render(request, registration, form)
    data = form.cleaned_data
    approve = data["decision"] == ApprovalForm.APPROVE
    try:
        registrations.decide(
            registration,
            actor=request.user,
            version=data["version"],
            approve=approve,
            reason=data["reason"],
            request=request,
        )
    except registrations.StaleRegistration as exc:
        values = request.POST.copy()
        values["version"] = str(exc.current.version)
        form = ApprovalForm(values)
        form.is_valid()
        form.add_error(None, stale_message(exc.current))
        return _render(request, exc.current, form)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _render(request, registration, form)
    except TransitionRefused as exc:
        messages.error(request, exc.message)
        return redirect("verification:approvals")
    name = registration.full_name
    if approve:
        messages.success(request, _("%(name)s: registration approved.") % {"name": name})
    else:
        messages.success(request, _("%(name)s: registration rejected.") % {"name": name})
    return redirect("verification:approvals")


def _render(request, registration, form):
    return render(
        request,
        "verification/registrations/decide.html",
        {
            "registration": registration,
            "form": form,
            "show_identity": may(request.user, SEE_IDENTITY),
            "events": registration.events.select_related("actor"),
        },
    )
