"""The reception's check-in (R-A1, R-P2): find the guest (QR or an exact
number), link their recent declaration or take it at the desk (channel
"establishment"), record the stay, give the guest the QR; and the group
check-in of a tour or a family."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from vigil.core.permissions import CHECK_IN_GUESTS, requires
from vigil.core.text import fold
from vigil.declarations import services as declarations
from vigil.declarations.forms import DeclarationForm

from .. import reception, services
from ..forms_guests import (
    GROUP_ROWS,
    FindGuestForm,
    GroupForm,
    ReceptionDeclarationForm,
    StayForm,
    group_rows,
    row_error,
)
from ..models import StaySource

TEMPLATE = "lodging/checkin.html"


def _no_establishment(request):
    return render(request, "lodging/checkin_none.html", status=200)


def _key(request):
    key = request.POST.get("key", "")
    return key if len(key) == 32 and key.isalnum() else uuid.uuid4().hex


@requires(CHECK_IN_GUESTS)
def check_in(request):
    establishment = request.user.establishment
    if establishment is None:
        return _no_establishment(request)
    if request.method == "POST":
        if request.POST.get("mode") == "declare":
            return _post_declare(request, establishment)
        return _post_link(request, establishment)
    stay_initial = {"room": request.GET.get("room", "")[:32]}
    if request.GET.get("guest"):
        person, declaration = reception.read_reference(request.GET["guest"])
        if person is None:
            return _find_page(request, _("This look-up has expired: find the guest again."))
        return _guest_page(
            request, establishment, reception.Found(person, declaration), stay_initial
        )
    if request.GET.get("new"):
        initial = reception.initial_for(request.GET.get("number", ""))
        return _declare_page(request, establishment, None, initial, stay_initial)
    if request.GET.get("payload"):
        try:
            found = reception.from_payload(request.GET["payload"])
        except reception.NotFound as exc:
            return _find_page(request, exc.message, field="payload")
        return _guest_page(request, establishment, found, stay_initial)
    if request.GET.get("number"):
        try:
            matches = reception.by_number(request.GET["number"])
        except reception.NotFound as exc:
            return _find_page(request, exc.message, field="number")
        return _find_page(request, matches=matches, searched=True)
    return _find_page(request)


def _find_page(request, error="", field="payload", matches=(), searched=False):
    find = FindGuestForm(request.GET or None)
    if error and find.is_bound:
        find.is_valid()
        find.add_error(field, error)
    number = request.GET.get("number", "")
    return render(
        request,
        TEMPLATE,
        {
            "step": "find",
            "find": find,
            "matches": [(m, reception.make_reference(m.person, m.declaration)) for m in matches],
            "searched": searched,
            "new_url": reverse("lodging:check-in") + "?" + urlencode({"new": 1, "number": number}),
            "error": error,
        },
        status=200,
    )


def _guest_page(request, establishment, found, stay_initial):
    """A found guest: the stay form linking their declaration, or the
    arrival declaration to fill with them."""
    if found.declaration is not None:
        stay = StayForm(initial={**stay_initial, "guest": found.reference})
        return _link_page(request, found, stay)
    initial = dict(found.initial)
    if found.person is not None:
        initial.update(DeclarationForm.initial_from(person=found.person))
    return _declare_page(request, establishment, found, initial, stay_initial)


def _link_page(request, found, stay):
    return render(
        request,
        TEMPLATE,
        {"step": "link", "found": found, "stay": stay, "key": _key(request)},
    )


def _declare_page(request, establishment, found, initial, stay_initial, form=None, stay=None):
    if form is None:
        form = ReceptionDeclarationForm(
            initial=initial, user=request.user, establishment=establishment
        )
    if stay is None:
        reference = found.reference if found is not None else ""
        stay = StayForm(initial={**stay_initial, "guest": reference})
    return render(
        request,
        TEMPLATE,
        {"step": "declare", "found": found, "form": form, "stay": stay, "key": _key(request)},
    )


def _post_link(request, establishment):
    stay = StayForm(request.POST)
    person, declaration = reception.read_reference(request.POST.get("guest", ""))
    if person is None:
        return _find_page(request, _("This look-up has expired: find the guest again."))
    found = reception.Found(person, declaration)
    if not stay.is_valid():
        return _link_page(request, found, stay)
    try:
        done = services.check_in(
            request.user,
            establishment,
            person=person,
            declaration=declaration,
            idempotency_key=f"reception:{_key(request)}",
            **stay.stay_values(),
        )
    except ValidationError as exc:
        _add_errors(stay, exc)
        return _link_page(request, found, stay)
    return _done(request, done)


def _post_declare(request, establishment):
    form = ReceptionDeclarationForm(request.POST, user=request.user, establishment=establishment)
    stay = StayForm(request.POST)
    person, _declaration = reception.read_reference(request.POST.get("guest", ""))
    found = reception.Found(person, None) if person is not None else None
    if not (form.is_valid() and stay.is_valid()):
        return _declare_page(request, establishment, found, {}, {}, form, stay)
    identity = form.identity()
    # R-P2: a guest recognised by their ID number who declared in the last
    # days is linked to that declaration, never asked to declare twice.
    known, _conflict = declarations.match_person(identity)
    recent = services.latest_declaration(known) if known is not None else None
    values = {"declaration": recent} if recent else {"identity": identity}
    if recent is None:
        values["data"] = form.declaration_data()
    try:
        done = services.check_in(
            request.user,
            establishment,
            idempotency_key=f"reception:{_key(request)}",
            **values,
            **stay.stay_values(),
        )
    except ValidationError as exc:
        _add_errors(stay, exc, form)
        return _declare_page(request, establishment, found, {}, {}, form, stay)
    if recent is not None:
        messages.info(request, _("The guest had already declared: that declaration is linked."))
    return _done(request, done)


def _add_errors(stay, exc, form=None):
    for name, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        target = stay if (name in stay.fields or form is None) else form
        if name not in target.fields:
            name = None
        for message in errors:
            target.add_error(name, message)


def _done(request, done):
    stay = done.stay
    names = {"name": stay.person.full_name, "room": stay.room or "-"}
    if done.created:
        messages.success(request, _("%(name)s is checked in, room %(room)s.") % names)
    return redirect(reverse("lodging:guest", args=[stay.pk]) + "?checked_in=1")


# The group check-in -------------------------------------------------------------


@requires(CHECK_IN_GUESTS)
def group_check_in(request):
    """Several guests in one screen (a tour, a family): each row is a
    declaration code, QR text or number, a name to check it against, a room.
    Each good row is saved in its own transaction; a bad row says why and
    stays on screen; guests without a declaration get a link to declare."""
    establishment = request.user.establishment
    if establishment is None:
        return _no_establishment(request)
    results, kept = [], []
    form = GroupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        rows = group_rows(request.POST)
        if not rows:
            form.is_valid()
            form.add_error(None, _("Enter at least one guest."))
        elif form.is_valid():
            for index, row in rows:
                outcome = _group_row(request, establishment, form, row)
                results.append((index, row, outcome))
                if outcome["status"] != "saved":
                    kept.append(row)
        else:
            kept = [row for _i, row in rows]
    saved = [r for r in results if r[2]["status"] == "saved"]
    if saved:
        messages.success(
            request,
            _("%(n)d of %(total)d guests are checked in, group %(group)s.")
            % {"n": len(saved), "total": len(results), "group": form.cleaned_data["group_code"]},
        )
    lines = kept + [{"guest": "", "name": "", "room": ""}] * (GROUP_ROWS - len(kept))
    return render(
        request,
        "lodging/group_checkin.html",
        {"form": form, "results": results, "lines": list(enumerate(lines[:GROUP_ROWS]))},
    )


def _group_row(request, establishment, form, row):
    """{"status": "saved" | "error" | "undeclared", "message", "stay", "url"}."""
    mistake = row_error(row)
    if mistake:
        return {"status": "error", "message": mistake}
    try:
        found = _find_row(row["guest"])
    except reception.NotFound as exc:
        return {"status": "error", "message": exc.message}
    if found is None or found.declaration is None:
        params = {"room": row["room"]}
        if found is not None and found.person is not None:
            params["guest"] = found.reference
        else:
            params.update({"new": 1, "number": row["guest"]})
        url = reverse("lodging:check-in") + "?" + urlencode(params)
        return {"status": "undeclared", "message": _("No health declaration."), "url": url}
    if row["name"] and fold(row["name"]) != found.person.search_key:
        return {"status": "error", "message": _("The name does not match this guest's record.")}
    try:
        done = services.check_in(
            request.user,
            establishment,
            declaration=found.declaration,
            room=row["room"],
            at=form.cleaned_data["check_in"],
            planned_check_out=form.planned_check_out(),
            group_code=form.cleaned_data["group_code"],
            source=StaySource.GROUP,
        )
    except ValidationError as exc:
        return {"status": "error", "message": " ".join(exc.messages)}
    return {"status": "saved", "message": "", "stay": done.stay}


def _find_row(text):
    """The Found a row names, None when nobody has this number."""
    if text.upper().startswith(declarations.QR_PREFIX + ":") or len(text.replace(" ", "")) == 8:
        try:
            return reception.from_payload(text)
        except reception.NotFound:
            if text.upper().startswith(declarations.QR_PREFIX + ":"):
                raise
    matches = reception.by_number(text)
    if len(matches) > 1:
        raise reception.NotFound(_("Several people have this number: check them in one by one."))
    return matches[0] if matches else None
