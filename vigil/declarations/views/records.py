"""Staff reading declarations: the list, the declaration page ("Xem chi tiết"),
the QR scanner and the external-QR completion."""

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vigil.audit.services import Action, log
from vigil.core.permissions import (
    DECIDE_PROPOSED_COLOUR,
    ENTER_DECLARATION,
    READ_DECLARATIONS,
    REVIEW_AMENDMENT,
    SCAN_QR,
    SEE_IDENTITY,
    may,
    requires,
)
from vigil.core.scope import get_for_user

from .. import external, services
from ..filters import DeclarationFilterForm
from ..forms import DeclarationForm
from ..models import CODE_LENGTH, Channel, Declaration, RegistrationKind
from ..services import StaleDeclaration
from ..transitions import TransitionRefused, review_amendment


def declaration_queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit", "created_by"
    )


@requires(READ_DECLARATIONS)
def declaration_detail(request, declaration_id):
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    whole = may(request.user, SEE_IDENTITY)
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
            "may_review": may(request.user, REVIEW_AMENDMENT),
            "may_decide_colour": may(request.user, DECIDE_PROPOSED_COLOUR),
        },
    )


@require_POST
@requires(REVIEW_AMENDMENT)
def review(request, declaration_id):
    """Staff looked at a citizen's amendment made after their decision (and CDC
    decided a proposed lower colour)."""
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    choice = request.POST.get("proposal", "")
    accept = {"accept": True, "keep": False}.get(choice)
    if accept is not None and not may(request.user, DECIDE_PROPOSED_COLOUR):
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
    """The code a scanned payload or a typed short code names, or InvalidCode."""
    text = (text or "").strip()
    if text.upper().startswith(services.QR_PREFIX + ":"):
        return services.code_from_payload(text)
    code = text.upper().replace(" ", "").replace("-", "")
    if len(code) != CODE_LENGTH:
        raise services.InvalidCode
    return code


@requires(SCAN_QR)
def scan(request):
    """Camera scanner (html5-qrcode) or a typed code; shows the declaration it names.

    A signed Vigil QR names one of our declarations; a typed short code is
    looked up directly. Anything else that parses as a national health
    declaration goes to the external-QR completion page. As in the API, a
    declaration outside the user's jurisdiction answers exactly as an unknown
    code (404, "Not found."): the scanner tells nothing of where it belongs.
    """
    text = request.GET.get("payload", "").strip()
    context = {"text": text}
    if not text:
        return render(request, "declarations/scan.html", context)
    try:
        code = _find_by_scan(text)
    except services.InvalidCode:
        if external.parse(text) is not None:
            return redirect_external(request, text)
        context["error"] = services.InvalidCode.message
        log(request, Action.VIEW, None, detail={"scan": "invalid"}, object_repr="QR scan")
        return render(request, "declarations/scan.html", context)
    declaration = Declaration.objects.visible_to(request.user).filter(code=code).first()
    if declaration is not None:
        log(request, Action.VIEW, declaration, detail={"scan": "ok"})
        return redirect("declarations:detail", declaration_id=declaration.pk)
    outcome = "out_of_scope" if Declaration.objects.filter(code=code).exists() else "unknown"
    log(request, Action.VIEW, None, detail={"scan": outcome, "code": code}, object_repr="QR scan")
    context["error"] = _("Not found.")
    return render(request, "declarations/scan.html", context, status=404)


def redirect_external(request, text):
    request.session["external_qr"] = text
    return redirect("declarations:external")


@requires(ENTER_DECLARATION)
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


# The list ---------------------------------------------------------------------


@requires(READ_DECLARATIONS)
def declaration_list(request):
    form = DeclarationFilterForm(request.GET, user=request.user)
    scoped = Declaration.objects.visible_to(request.user)
    # select_related: one query for the page, however many rows (no N+1).
    declarations = form.filter_qs(scoped).select_related("person", "area")
    page = Paginator(declarations, 50).get_page(request.GET.get("page"))
    by_channel = dict(
        form.filter_qs(scoped, skip=("channel",))
        .order_by()
        .values_list("channel")
        .annotate(n=Count("id"))
    )
    data = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "declarations/staff/list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "period_tabs": _period_tabs(request, data),
            "channel_tabs": _channel_tabs(request, data, by_channel),
            "kind_tabs": _kind_tabs(request, data),
        },
    )


def _period_tabs(request, data):
    today = timezone.localdate().strftime("%d/%m/%Y")
    return [
        (
            _("All dates"),
            _tab_url(request, date_on=None, date_from=None, date_to=None),
            not request.GET.get("date_from") and not request.GET.get("date_to"),
            "period-all",
        ),
        (
            _("Declared today"),
            _tab_url(request, date_on="created", date_from=today, date_to=today),
            request.GET.get("date_from") == today
            and request.GET.get("date_to") == today
            and data.get("date_on", "created") in ("", "created"),
            "period-today",
        ),
    ]


def _channel_tabs(request, data, by_channel):
    tabs = [
        (
            _("All channels"),
            _tab_url(request, channel=None),
            not data.get("channel"),
            "channel-all",
            sum(by_channel.values()),
        )
    ]
    for value, label in Channel.choices:
        if by_channel.get(value) or data.get("channel") == value:
            tabs.append(
                (
                    label,
                    _tab_url(request, channel=value),
                    data.get("channel") == value,
                    f"channel-{value}",
                    by_channel.get(value, 0),
                )
            )
    return tabs


def _kind_tabs(request, data):
    tabs = [(_("All kinds"), _tab_url(request, kind=None), not data.get("kind"), "kind-all")]
    for value, label in RegistrationKind.choices:
        tabs.append(
            (label, _tab_url(request, kind=value), data.get("kind") == value, f"kind-{value}")
        )
    return tabs


def _tab_url(request, **changes):
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()
