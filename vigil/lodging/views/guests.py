"""The guest register ("Khách lưu trú"): in house / checked out, filters,
totals, the export; one guest's stay with its history; corrections and the
check-out."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import CHECK_IN_GUESTS, EXPORT, READ_GUESTS, may, requires
from vigil.core.scope import get_for_user
from vigil.declarations import services as declarations

from .. import services
from ..filters import ALERT_COLOURS, IN_HOUSE, OUT, TABS, GuestFilterForm
from ..forms_guests import CheckOutForm, GuestEditForm
from ..models import GuestStay

PAGE_SIZE = 50


def stay_queryset():
    return GuestStay.objects.select_related(
        "person", "declaration", "declaration__departure_country", "establishment__area__parent"
    )


def alert_q():
    """Stays that stand out: no declaration, or a red or orange one."""
    return Q(declaration__isnull=True) | Q(declaration__risk_colour__in=ALERT_COLOURS)


@requires(READ_GUESTS)
def guest_list(request):
    user = request.user
    form = GuestFilterForm(request.GET or None, user=user)
    if not form.is_bound:
        form = GuestFilterForm({}, user=user)
    scoped = GuestStay.objects.visible_to(user)
    filtered = form.filter_qs(scoped)
    page = Paginator(filtered.order_by("-check_in", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = list(
        stay_queryset().filter(pk__in=[s.pk for s in page.object_list]).order_by("-check_in", "-id")
    )
    query = request.GET.copy()
    query.pop("page", None)
    tabs = []
    for value, label in TABS:
        tab_query = query.copy()
        tab_query["tab"] = value
        tabs.append((value, label, tab_query.urlencode()))
    return render(
        request,
        "lodging/guest_list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "alerts": filtered.filter(alert_q()).count(),
            "tab": form.chosen_tab,
            "tabs": tabs,
            "suffix": f"&{query.urlencode()}" if query else "",
            "alert_colours": ALERT_COLOURS,
            "may_export": may(user, EXPORT),
            "may_check_in": may(user, CHECK_IN_GUESTS),
            "own": form.own,
            "IN_HOUSE": IN_HOUSE,
            "OUT": OUT,
        },
    )


@requires(READ_GUESTS)
def guest_detail(request, guest_stay_id):
    stay = get_for_user(stay_queryset(), request.user, pk=guest_stay_id)
    log(request, Action.VIEW, stay)
    declaration = stay.declaration
    payload = declarations.qr_payload(declaration) if declaration is not None else ""
    return render(
        request,
        "lodging/guest_detail.html",
        {
            "stay": stay,
            "person": stay.person,
            "declaration": declaration,
            "payload": payload,
            "qr": declarations.qr_svg(payload).decode() if payload else "",
            "just_checked_in": bool(request.GET.get("checked_in")),
            "events": stay.events.select_related("actor"),
            "may_change": may(request.user, CHECK_IN_GUESTS),
            "check_out_form": CheckOutForm(initial={"version": stay.version}),
            "alert": declaration is None or declaration.risk_colour in ALERT_COLOURS,
        },
    )


@requires(CHECK_IN_GUESTS)
def guest_edit(request, guest_stay_id):
    stay = get_for_user(stay_queryset(), request.user, pk=guest_stay_id)
    stale = ""
    if request.method == "POST":
        form = GuestEditForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_stay(
                    stay,
                    actor=request.user,
                    version=data["version"],
                    room=data["room"],
                    planned_check_out=data["planned_check_out"],
                    check_out=data["check_out"],
                )
            except services.StaleGuestStay as exc:
                # The input stays on screen; nothing was overwritten.
                stale = stale_message(exc.current)
                form.data = form.data.copy()
                form.data["version"] = exc.current.version
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, _("The stay is updated."))
                return redirect("lodging:guest", guest_stay_id=stay.pk)
    else:
        form = GuestEditForm(
            initial={
                "room": stay.room,
                "planned_check_out": stay.planned_check_out,
                "check_out": stay.check_out,
                "version": stay.version,
            }
        )
    return render(request, "lodging/guest_edit.html", {"form": form, "stay": stay, "stale": stale})


@require_POST
@requires(CHECK_IN_GUESTS)
def check_out(request, guest_stay_id):
    stay = get_for_user(stay_queryset(), request.user, pk=guest_stay_id)
    form = CheckOutForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("lodging:guest", guest_stay_id=stay.pk)
    try:
        services.check_out(
            stay,
            actor=request.user,
            version=form.cleaned_data["version"],
            at=form.cleaned_data.get("check_out"),
        )
    except services.StaleGuestStay as exc:
        messages.error(request, stale_message(exc.current))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s has checked out.") % {"name": stay.person.full_name})
    return redirect("lodging:guest", guest_stay_id=stay.pk)
