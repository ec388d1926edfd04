"""The declaration page ("Xem chi tiết"), the QR scanner and the external-QR completion."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vigil.accounts.decorators import task_required
from vigil.audit.services import Action, log
from vigil.core.modules import MEDICAL, REVIEW, STAFF
from vigil.core.scope import get_for_user
from vigil.people.permissions import may_see_identity
from vigil.testing.summary import tests_summary

from . import external, services
from .forms import DeclarationForm
from .models import CODE_LENGTH, Channel, Declaration
from .permissions import ENTRY_TASKS
from .services import StaleDeclaration
from .transitions import TransitionRefused, review_amendment


def declaration_queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit", "created_by"
    )


@task_required(*STAFF)
def declaration_detail(request, declaration_id):
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    whole = may_see_identity(request.user)
    log(request, Action.VIEW, declaration, detail={"identity_shown": whole})
    return render(
        request,
        "declarations/detail.html",
        {
            "declaration": declaration,
            "person": declaration.person,
            "show_identity": whole,
            "payload": services.qr_payload(declaration),
            "events": declaration.events.select_related("actor", "from_area", "to_area"),
            "tests": tests_summary(request.user, [declaration.person_id])[declaration.person_id],
            "may_review": request.user.has_task(*REVIEW),
            "may_decide_colour": request.user.has_task(*MEDICAL),
        },
    )


@require_POST
@task_required(*REVIEW)
def review(request, declaration_id):
    """Staff looked at a citizen's amendment made after their decision (and CDC
    decided a proposed lower colour)."""
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    choice = request.POST.get("proposal", "")
    accept = {"accept": True, "keep": False}.get(choice)
    if accept is not None and not request.user.has_task(*MEDICAL):
        raise PermissionDenied
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        review_amendment(
            declaration,
            actor=request.user,
            version=version,
            accept_proposal=accept,
            note=request.POST.get("note", "")[:1000],
        )
    except StaleDeclaration:
        messages.error(request, _("This declaration changed meanwhile: review it again."))
    except TransitionRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The amendment is marked as reviewed."))
    return redirect("declarations:detail", declaration_id=declaration.pk)


def _find_by_scan(text):
    """The declaration a scanned payload or a typed short code names, or InvalidCode."""
    text = (text or "").strip()
    if text.upper().startswith(services.QR_PREFIX + ":"):
        code = services.code_from_payload(text)
    else:
        code = text.upper().replace(" ", "").replace("-", "")
        if len(code) != CODE_LENGTH:
            raise services.InvalidCode
    declaration = declaration_queryset().filter(code=code).first()
    if declaration is None:
        raise services.InvalidCode
    return declaration


@task_required(*STAFF)
def scan(request):
    """Camera scanner (html5-qrcode) or a typed code; shows the declaration it names.

    A signed Vigil QR names one of our declarations; a typed short code is
    looked up directly. Anything else that parses as a national health
    declaration goes to the external-QR completion page.
    """
    text = request.GET.get("payload", "").strip()
    context = {"text": text}
    if text:
        try:
            declaration = _find_by_scan(text)
        except services.InvalidCode:
            if external.parse(text) is not None:
                return redirect_external(request, text)
            context["error"] = _("Not a valid code.")
            log(request, Action.VIEW, None, detail={"scan": "invalid"}, object_repr="QR scan")
        else:
            in_scope = Declaration.objects.visible_to(request.user).filter(pk=declaration.pk)
            if in_scope.exists():
                log(request, Action.VIEW, declaration, detail={"scan": "ok"})
                return redirect("declarations:detail", declaration_id=declaration.pk)
            # Valid, but for another area: say where, show nobody's data.
            context["elsewhere"] = declaration.area.full_name()
            log(
                request,
                Action.VIEW,
                None,
                detail={"scan": "out_of_scope", "code": declaration.code},
                object_repr="QR scan",
            )
    return render(request, "declarations/scan.html", context)


def redirect_external(request, text):
    request.session["external_qr"] = text
    return redirect("declarations:external")


@task_required(*ENTRY_TASKS)
def external_qr(request):
    """Complete and save a national health-declaration QR (R-D5)."""
    text = request.session.get("external_qr", "")
    parsed = external.parse(text) if text else None
    if parsed is None:
        return render(request, "declarations/scan.html", {"error": _("Not a valid code.")})
    if request.method == "POST":
        form = DeclarationForm(request.POST)
        if form.is_valid():
            submission = services.submit_declaration(
                form.identity(),
                form.declaration_data(),
                channel=Channel.EXTERNAL_QR,
                actor=request.user,
                external_payload=text,
                idempotency_key=request.POST.get("idempotency_key") or None,
                request=request,
            )
            request.session.pop("external_qr", None)
            declaration = submission.declaration
            if Declaration.objects.visible_to(request.user).filter(pk=declaration.pk).exists():
                return redirect("declarations:detail", declaration_id=declaration.pk)
            return render(
                request, "declarations/saved_elsewhere.html", {"declaration": declaration}
            )
    else:
        form = DeclarationForm(initial=parsed.initial())
    return render(
        request,
        "declarations/external.html",
        {
            "form": form,
            "parsed": parsed,
            "missing": parsed.missing(),
            "idempotency_key": uuid.uuid4().hex,
        },
    )
