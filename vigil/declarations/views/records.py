"""Staff reading declarations: the list, the declaration page ("Xem chi tiết"),
the QR scanner and the external-QR completion."""

import datetime
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Q, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vigil.audit.services import Action, log, stale_message
from vigil.core.paging import KeysetPaginator, SortChoice, list_url, load_page, pager_links
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

from .. import counts, external, services
from ..filters import KEYWORD_PEOPLE, DeclarationFilterForm, JumpForm, local_midnight
from ..forms import DeclarationForm
from ..models import CODE_LENGTH, Channel, Declaration, RegistrationKind, RiskColour
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
    except StaleDeclaration as exc:
        messages.error(request, stale_message(exc.current))
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


# Orders of the list: by date on the index of (created_at, id, area_path), flat
# at any depth; by colour or name only while the filtered rows are within the
# count cap (no index serves them inside a jurisdiction: the database sorts at
# most that many rows).
NEWEST = SortChoice("newest", _("Newest first"), ("-created_at", "-id"))
OLDEST = SortChoice("oldest", _("Oldest first"), ("created_at", "id"))
SORTS = (
    NEWEST,
    OLDEST,
    SortChoice("colour", _("Risk colour"), ("colour_rank", "-created_at", "-id"), bounded=True),
    SortChoice("name", _("Full name"), ("person__search_key", "id"), bounded=True),
    SortChoice("commune", _("Commune"), ("area__search_key", "-created_at", "-id"), bounded=True),
)
# A list between arrival dates is ordered by arrival first (the index of
# arrival_date, created_at, id, area_path): by date of declaration alone, the
# database walked every row declared after the period to find it (9 s at 2M
# for a week a month back).
BY_ARRIVAL = {
    NEWEST: SortChoice("newest", _("Newest first"), ("-arrival_date", "-created_at", "-id")),
    OLDEST: SortChoice("oldest", _("Oldest first"), ("arrival_date", "created_at", "id")),
}
PAGE_SIZE = 50
COLOUR_RANK = Case(
    *(When(risk_colour=colour, then=rank) for rank, colour in enumerate(reversed(RiskColour))),
    default=len(RiskColour),
)


def declarations_of(ids):
    return Declaration.objects.filter(pk__in=ids).select_related("person", "area__parent")


def _ordered(filtered, sort, day):
    """(queryset ready for `sort`, the Q of a jump to `day` or None)."""
    if "colour_rank" in sort.fields:
        filtered = filtered.annotate(colour_rank=COLOUR_RANK)
    if day is None or sort.key not in (NEWEST.key, OLDEST.key):
        return filtered, None
    if sort in BY_ARRIVAL.values():
        lookup = "arrival_date__lte" if sort.key == NEWEST.key else "arrival_date__gte"
        return filtered, Q(**{lookup: day})
    if sort is NEWEST:
        return filtered, Q(created_at__lt=local_midnight(day + datetime.timedelta(days=1)))
    return filtered, Q(created_at__gte=local_midnight(day))


def _by_arrival(form):
    """True when the list is filtered between arrival dates."""
    data = form.cleaned_data if form.is_valid() else {}
    dated = data.get("date_from") or data.get("date_to")
    return bool(dated) and data.get("date_on") == DeclarationFilterForm.ARRIVAL


@requires(READ_DECLARATIONS)
def declaration_list(request):
    user, params = request.user, request.GET
    form = DeclarationFilterForm(params, user=user)
    jump = JumpForm(params)
    scoped = Declaration.objects.visible_to(user)
    filtered = form.filter_qs(scoped)
    (total, capped), by_channel, all_channels = counts.list_counts(user, form, scoped, filtered)
    sort = SortChoice.pick(SORTS, params.get("sort"))
    # Sorting more rows than the cap by colour or name would sort them all.
    sort_refused = sort.bounded and (capped or total > settings.VIGIL_LIST_COUNT_CAP)
    if sort_refused:
        sort = NEWEST
    by_arrival = sort in BY_ARRIVAL and _by_arrival(form)
    if by_arrival:
        sort = BY_ARRIVAL[sort]
    ordered, start = _ordered(filtered, sort, jump.day())
    # A keyword bounds the rows (KEYWORD_PEOPLE people): sorted in Python.
    keyword = bool(form.is_valid() and form.cleaned_data.get("q"))
    paginator = KeysetPaginator(ordered, sort.order, PAGE_SIZE, materialize=keyword)
    page = paginator.page(after=params.get("after"), before=params.get("before"), start=start)
    paginator.locate(page, total, capped)
    load_page(page, declarations_of)
    data = form.cleaned_data if form.is_valid() else {}
    return render(
        request,
        "declarations/staff/list.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "capped": capped,
            "keyword_truncated": form.keyword_truncated,
            "keyword_people": KEYWORD_PEOPLE,
            "count_cap": settings.VIGIL_LIST_COUNT_CAP,
            "period_tabs": _period_tabs(request, data),
            "channel_tabs": _channel_tabs(request, data, by_channel, all_channels),
            "kind_tabs": _kind_tabs(request, data),
            "sort": sort,
            "sorts": SORTS,
            "sort_refused": sort_refused,
            "by_arrival": by_arrival,
            "sort_links": {choice.key: _tab_url(request, sort=choice.key) for choice in SORTS},
            "pager": pager_links(params, page),
            "jump_form": jump if sort.key in (NEWEST.key, OLDEST.key) else None,
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


def _channel_tabs(request, data, by_channel, all_channels):
    """(label, url, active, id, count, capped) of each channel tab: the count is
    the total that the list it opens shows; None (no number) when the list
    without a channel filter holds more than the cap."""
    tabs = [
        (
            _("All channels"),
            _tab_url(request, channel=None),
            not data.get("channel"),
            "channel-all",
            *all_channels,
        )
    ]
    for value, label in Channel.choices:
        count = (None, False) if by_channel is None else by_channel.get(value, (0, False))
        if by_channel is None or count[0] or data.get("channel") == value:
            tabs.append(
                (
                    label,
                    _tab_url(request, channel=value),
                    data.get("channel") == value,
                    f"channel-{value}",
                    *count,
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
    return list_url(request.GET, **changes)
