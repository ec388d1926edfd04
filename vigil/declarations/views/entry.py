"""Staff entry (walk-in, paper, checkpoint) and the paper-form import."""

import contextlib
import datetime
import re
import uuid

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.areas.models import AdminUnit, Level
from vigil.core.permissions import ENTER_DECLARATION, requires
from vigil.core.phones import normalize_phone
from vigil.core.scope import get_for_user, in_scope
from vigil.core.tasks import Task
from vigil.people.models import Person
from vigil.people.services import search_people
from vigil.people.validators import normalize_id_number

from .. import imports, questions, services
from ..forms import DeclarationForm, PaperImportForm, StaffDeclarationForm
from ..forms_paper import PaperReasonForm
from ..models import STAFF_CHANNELS, Channel, Declaration
from ..services import RECENT_DAYS, recent_declarations, recent_for

# What the last save of this clerk chose, to keep on the next empty form.
SESSION_KEY = "declarations.entry"
# Answers that belong to one journey, not to the person: a new declaration
# never inherits them from the previous one.
TRIP_FIELDS = (
    "arrival_date",
    "transport_number",
    "version",
    *(key for key, _label in questions.EXPOSURES + questions.SYMPTOMS),
)
_KEY = re.compile(r"^[0-9a-f]{32}$")
# The entry form's checkbox that allows a second declaration anyway.
CONFIRM_DUPLICATE = "confirm_duplicate"


def entry_url(channel, **params):
    return reverse("declarations:new") + "?" + urlencode({"channel": channel, **params})


def _channel(request, channel=None):
    """The channel named by the URL, the form, the last save, or the account's work."""
    saved = request.session.get(SESSION_KEY, {}).get("channel")
    for value in (channel, request.POST.get("channel"), request.GET.get("channel"), saved):
        if value in STAFF_CHANNELS:
            return Channel(value)
    if request.user.has_task(Task.DIGITISATION):
        return Channel.PAPER
    if request.user.has_task(Task.CHECKPOINT):
        return Channel.CHECKPOINT
    return Channel.WALK_IN


# Staff entry ----------------------------------------------------------------


@requires(ENTER_DECLARATION)
def staff_entry(request, channel=None):
    """Search existing people first (R-P2), then enter a declaration for one of
    them or for a new person. After a save the page comes back empty, keeping
    the commune, village, paper form date and checkpoint of the last one."""
    channel = _channel(request, channel)
    if request.method == "POST":
        return _save_entry(request, channel)
    query = request.GET.get("q", "").strip()
    initial = _sticky(request, channel)
    person_id = request.GET.get("person")
    recent = []
    paper_initial = {}
    if person_id:
        person = get_for_user(Person.objects.select_related("area"), request.user, pk=person_id)
        initial.update(_from_person(request.user, person))
        recent = recent_for(request.user, Q(person=person))
        # Typed before the person was picked (entry.js carries them along).
        for name in StaffDeclarationForm.CHANNEL_FIELDS[channel]:
            if request.GET.get(name):
                initial[name] = request.GET[name][:200]
        if channel == Channel.PAPER:
            paper_initial = {
                name: request.GET[name][:200]
                for name in PaperReasonForm.base_fields
                if request.GET.get(name)
            }
    elif request.GET.get("new"):
        initial.update(_from_query(query))
    picked = bool(person_id or request.GET.get("new"))
    if query and not picked:
        return _render_entry(
            request, channel, query=query, matches=_matches(request.user, query, limit=20)
        )
    form = StaffDeclarationForm(initial=initial, user=request.user, channel=channel)
    paper = PaperReasonForm(initial=paper_initial) if channel == Channel.PAPER else None
    # The digitisation clerk opening the page goes straight to the form; at a
    # desk with the person in front, and after every save, staff look the
    # next person up first.
    focus_form = picked or (channel == Channel.PAPER and request.GET.get("step") != "search")
    return _render_entry(
        request, channel, form=form, paper=paper, focus_form=focus_form, recent=recent
    )


def _save_entry(request, channel):
    """The posted form: saved (then back to the search), or shown again with
    its errors or with the recent declarations of the same person."""
    form = StaffDeclarationForm(request.POST, user=request.user, channel=channel)
    # Why paper was used (§II.12): a small form of its own, paper only.
    paper = PaperReasonForm(request.POST) if channel == Channel.PAPER else None
    key = request.POST.get("idempotency_key", "")
    idempotency_key = f"entry:{key}" if _KEY.match(key) else None
    # A repeated post of the same form (double Enter) is not a duplicate:
    # submit_declaration answers it with the declaration it already made.
    repeat = bool(idempotency_key) and (
        Declaration.objects.filter(idempotency_key=idempotency_key).exists()
    )
    recent = [] if repeat else recent_declarations(request.user, _typed_identity(form))
    confirmed = bool(request.POST.get(CONFIRM_DUPLICATE))
    valid = form.is_valid() and (paper is None or paper.is_valid())
    if not valid or (recent and not confirmed):
        return _render_entry(
            request,
            channel,
            form=form,
            paper=paper,
            key=key,
            recent=recent,
            refused=bool(recent) and not confirmed,
        )
    data = form.declaration_data()
    if paper is not None:
        data.update(paper.declaration_data())
    submission = services.submit_declaration(
        form.identity(),
        data,
        channel=channel,
        actor=request.user,
        idempotency_key=idempotency_key,
        request=request,
    )
    _remember(request, channel, form.cleaned_data)
    declaration = submission.declaration
    names = {"name": declaration.person.full_name, "code": declaration.code}
    if submission.created:
        messages.success(request, _("Saved %(name)s, declaration %(code)s.") % names)
    else:
        messages.info(request, _("Already saved: %(name)s, declaration %(code)s.") % names)
    # The next person starts at the search (R-P2), keeping the commune,
    # village, paper form date and checkpoint (_sticky).
    return redirect(entry_url(channel, step="search"))


def _render_entry(
    request,
    channel,
    form=None,
    paper=None,
    key="",
    query="",
    matches=None,
    focus_form=True,
    recent=(),
    refused=False,
):
    # With a recent declaration on screen, its "Use this declaration" button
    # takes the focus: Enter reuses it, creating a second one takes a choice.
    if form is not None and focus_form and not recent:
        _autofocus(form, paper)
    channels = [
        (value, label, entry_url(value))
        for value, label in Channel.choices
        if value in STAFF_CHANNELS
    ]
    return render(
        request,
        "declarations/staff/entry.html",
        {
            "form": form,
            "paper_form": paper,
            "channel": channel,
            "channel_label": Channel(channel).label,
            "channels": channels,
            "idempotency_key": key if _KEY.match(key or "") else uuid.uuid4().hex,
            "query": query,
            "matches": matches,
            "focus_search": form is None or not focus_form,
            "new_url": entry_url(channel, new=1, q=query) if query else entry_url(channel, new=1),
            "recent": recent,
            "recent_days": RECENT_DAYS,
            "duplicate_refused": refused,
            "confirm_duplicate": CONFIRM_DUPLICATE,
            "confirmed": bool(request.POST.get(CONFIRM_DUPLICATE)),
        },
    )


def _autofocus(form, paper=None):
    """Focus the first field with an error, else the first required empty one,
    in the order of the page: the channel's fields, why paper was used, then
    the declaration."""
    channel_fields = form.CHANNEL_FIELDS[form.channel]
    order = [(form, name) for name in channel_fields if name in form.fields]
    order += [(paper, name) for name in paper.fields] if paper is not None else []
    order += [
        (form, name)
        for name in form.field_order_names()
        if name in form.fields and name not in channel_fields
    ]
    if form.is_bound:
        wanted = [(owner, name) for owner, name in order if name in owner.errors]
    else:
        wanted = [
            (owner, name)
            for owner, name in order
            if owner.fields[name].required and owner[name].value() in (None, "", [])
        ]
    owner, target = (wanted or [(form, "full_name")])[0]
    if target in questions.KEYS:
        # Radios are drawn by hand in the questions table; they take no attrs.
        owner, target = form, "full_name"
    owner.fields[target].widget.attrs["autofocus"] = True


def _remember(request, channel, data):
    saved = dict(request.session.get(SESSION_KEY, {}))
    saved.update(
        {
            "channel": str(channel),
            "area": data["area"].pk,
            "village": data["village"].pk if data.get("village") else None,
        }
    )
    if data.get("paper_form_date"):
        saved["paper_form_date"] = data["paper_form_date"].isoformat()
    if data.get("checkpoint"):
        saved["checkpoint"] = data["checkpoint"]
    request.session[SESSION_KEY] = saved


def _sticky(request, channel):
    """Initial values kept from the last save, or the account's own commune."""
    saved = request.session.get(SESSION_KEY, {})
    user = request.user
    initial = {}
    wanted = [pk for pk in (saved.get("area"), saved.get("village")) if pk]
    units = {
        u.pk: u
        for u in (AdminUnit.objects.filter(pk__in=wanted) if wanted else ())
        if in_scope(user, u.path)  # the account may have moved since
    }
    if saved.get("area") in units:
        initial["area"] = saved["area"]
        if saved.get("village") in units:
            initial["village"] = saved["village"]
    elif user.jurisdiction_id and user.jurisdiction.level == Level.COMMUNE:
        initial["area"] = user.jurisdiction_id
    if channel == Channel.PAPER and saved.get("paper_form_date"):
        with contextlib.suppress(ValueError):
            initial["paper_form_date"] = datetime.date.fromisoformat(saved["paper_form_date"])
    if channel == Channel.CHECKPOINT and saved.get("checkpoint"):
        initial["checkpoint"] = saved["checkpoint"]
    return initial


def _from_person(user, person):
    """The picked person's identity, and what lasts from their latest declaration
    (destination, departure, registration, chronic conditions): R-P2, reuse."""
    latest = Declaration.objects.visible_to(user).filter(person=person).first()
    initial = DeclarationForm.initial_from(declaration=latest, person=person)
    for name in TRIP_FIELDS:
        initial.pop(name, None)
    return initial


def _typed_identity(form):
    """The identity fields of a posted form that passed their own checks, so
    that the warning shows even while another field still has an error."""
    if form.is_valid():
        return form.identity()
    return {name: form.cleaned_data.get(name) for name in DeclarationForm.IDENTITY}


def _from_query(query):
    """'Nobody matches, enter a new person': keep what was typed in the search."""
    query = query.strip()
    if not query:
        return {}
    compact = normalize_id_number(re.sub(r"[.\-()]", "", query))
    if compact.isdigit() and len(compact) in (9, 12):
        return {"id_number": compact, "id_kind": "cmnd" if len(compact) == 9 else "cccd"}
    phone = normalize_phone(query)
    if phone:
        return {"phone": phone}
    if any(ch.isdigit() for ch in query):
        return {"id_number": compact}
    return {"full_name": " ".join(query.split())}


def _matches(user, query, limit):
    """[(Match, [latest declarations in scope]), ...] for the people found."""
    # The commune's district too: two communes of the province share a name.
    people = Person.objects.visible_to(user).select_related("area__parent")
    found = search_people(people, query, limit=limit)
    latest = {}
    if found:
        rows = (
            Declaration.objects.visible_to(user)
            .filter(person_id__in=[m.person.pk for m in found])
            .select_related("area")
            .order_by("-created_at", "-id")[: limit * 10]
        )
        for declaration in rows:
            mine = latest.setdefault(declaration.person_id, [])
            if len(mine) < 3:
                mine.append(declaration)
    return [(m, latest.get(m.person.pk, [])) for m in found]


@require_GET
@requires(ENTER_DECLARATION)
def entry_matches(request):
    """The "already known" panel under the form, refreshed (htmx) when the
    clerk leaves the ID number or phone field."""
    query = ""
    for name in ("q", "id_number", "phone"):
        query = request.GET.get(name, "").strip()
        if query:
            break
    matches = _matches(request.user, query, limit=5) if len(query) >= 6 else []
    return render(
        request,
        "declarations/staff/_matches.html",
        {"matches": matches, "channel": _channel(request), "compact": True, "query": query},
    )


# Paper import -------------------------------------------------------------------


@requires(ENTER_DECLARATION)
def paper_import(request):
    """The paper forms of an uploaded .xlsx: saved here when the file is small,
    by the worker (its progress page) when it is large; a refused file is said
    next to the file field."""
    result = None
    if request.method == "POST":
        form = PaperImportForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            result = imports.import_paper_forms(
                form.cleaned_data["file"], request.user, request=request
            )
            if result.job is not None:
                return redirect(reverse("jobs:job", args=[result.job.pk]) + "?back=paper_import")
            if result.file_error:
                form.add_error("file", result.file_error)
            elif result.ok:
                messages.success(request, imports.summary(result))
                return redirect("declarations:import")
    else:
        form = PaperImportForm()
    return render(
        request,
        "declarations/staff/import.html",
        {
            "form": form,
            "result": result,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.sheet_format().limit // (1024 * 1024),
        },
    )


@require_GET
@requires(ENTER_DECLARATION)
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{imports.template_filename()}"'
    return response
