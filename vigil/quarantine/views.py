"""Concentrated quarantine screens (R-Q1..R-Q4, the seed's §II.9 and §II.10c).

- The facility catalogue ("Danh mục cơ sở cách ly") and each facility's
  buildings, rooms and beds with their occupants.
- Intake ("Nhập khu cách ly" → "Thêm mới"): search first, reuse the person
  found, else record a new one, then facility, start date, bed and answers.
- The lists "Đang cách ly" / "Hết cách ly" and the actions on a stay: move,
  extend, end ("HCL"), delete when entered by mistake.
- The facility board: beds, occupancy, arrivals, discharges, who is due.

Stays and facilities are read through `visible_to` / `get_for_user` (a facility
manager sees their facility only) and changed only through
vigil.quarantine.services.
"""

import datetime

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Length
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.accounts.views import task_required
from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import stale_message
from vigil.core.modules import STAFF
from vigil.core.scope import get_for_user
from vigil.declarations import services as declaration_services
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person
from vigil.people.services import search_people
from vigil.testing.models import TestOutcome, TestResult

from . import services
from .forms import (
    CATALOGUE_TASKS,
    ROOM_TASKS,
    STAY_TASKS,
    BoardFilterForm,
    DeleteForm,
    EndForm,
    ExtendForm,
    FacilityFilterForm,
    FacilityForm,
    IntakeForm,
    MoveForm,
    QuickRoomsForm,
    StaleFacility,
    StayFilterForm,
    bed_choices,
    create_facility,
    ordered_beds,
    stay_facilities,
    update_facility,
)
from .models import Bed, Building, Facility, Outcome, Stay

PAGE_SIZE = 50
BOARD_DAYS = 14


def _add_errors(form, exc):
    """A service's ValidationError onto the form: next to its field when the
    form has one, else at the top."""
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _stale(form, stay_or_facility, current):
    """Keep what the user typed; only the version moves on so that a second
    save, after reviewing, goes through."""
    form.add_error(None, stale_message(stay_or_facility))
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = current.version


# The lists -------------------------------------------------------------------


def test_figures(qs, user):
    """'Số lần XN' and the latest result of the tests `user` may see, as
    subqueries: one query for the page, and the paginator's COUNT stays a plain
    count (an aggregate over a join would make it group every stay)."""
    tests = TestResult.objects.visible_to(user).filter(person=OuterRef("person_id")).order_by()
    return qs.annotate(
        n_tests=Coalesce(
            Subquery(
                tests.values("person").annotate(n=Count("id")).values("n"),
                output_field=IntegerField(),
            ),
            Value(0),
        ),
        latest_result=Subquery(tests.order_by("-sample_date", "-id").values("result")[:1]),
    )


@require_GET
@task_required(*STAFF)
def stay_list(request, ended=False):
    form = StayFilterForm(request.GET, user=request.user)
    scoped = Stay.objects.visible_to(request.user)
    stays = form.filter_qs(scoped.ended() if ended else scoped.open())
    stays = test_figures(
        stays.select_related("person", "facility", "bed__room__building"), request.user
    ).order_by("-end_date" if ended else "-start_date", "-id")
    page = Paginator(stays, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = dict(TestOutcome.choices)
    for stay in page:
        stay.latest_result_label = labels.get(stay.latest_result, "")
        if not ended:
            stay.remaining = stay.days_remaining
            stay.overdue = max(-stay.remaining, 0)
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return render(
        request,
        "quarantine/list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "ended": ended,
            "suffix": suffix,
            "may_take_in": request.user.has_task(*STAY_TASKS),
        },
    )


# Intake ----------------------------------------------------------------------

_PICK_SALT = "vigil.quarantine.intake.pick"
# A search result stays usable for a working shift.
PICK_MAX_AGE = 12 * 3600


def _pick_token(user, person):
    return signing.dumps([user.pk, person.pk], salt=_PICK_SALT)


def _picked(user, token):
    """The person behind a search result this user was shown, or None.

    The result carries a signed (user, person) pair rather than a bare id: a
    facility manager's search reaches beyond their scope (below), and a bare id
    would let them open anyone by guessing numbers.
    """
    try:
        user_pk, person_pk = signing.loads(token or "", salt=_PICK_SALT, max_age=PICK_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if user_pk != user.pk:
        return None
    return Person.objects.select_related("area").filter(pk=person_pk).first()


def _intake_path(user):
    """Where intake looks for people and their declarations.

    A facility manager's own scope is their facility, which holds nobody yet
    at intake. They look province-wide, but only by exact ID number or phone
    (the card or the phone is in front of them), and by name only among the
    people of the facility's district: a name search across the province
    would list strangers.
    """
    return AdminUnit.objects.home_province().path if user.facility_id else None


def _near_path(facility):
    area = facility.area
    parent = area.parent
    return parent.path if parent is not None and parent.level == Level.DISTRICT else area.path


def _intake_matches(user, query, limit=20):
    """[(Match, latest declaration or None, already inside?, pick token), ...]"""
    if not user.facility_id:
        found = search_people(Person.objects.visible_to(user).select_related("area"), query, limit)
    else:
        people = Person.objects.select_related("area")
        found = []
        if any(ch.isdigit() for ch in query):
            province = people.filter(area_path__startswith=_intake_path(user))
            found = [m for m in search_people(province, query, limit) if m.kind in ("id", "phone")]
        seen = {m.person.pk for m in found}
        near = people.filter(area_path__startswith=_near_path(user.facility))
        for match in search_people(near, query, limit):
            if match.person.pk not in seen and len(found) < limit:
                found.append(match)
                seen.add(match.person.pk)
    ids = [m.person.pk for m in found]
    latest = {}
    inside = set()
    if ids:
        for declaration in (
            _declarations(user).filter(person_id__in=ids).order_by("-created_at", "-id")
        ):
            latest.setdefault(declaration.person_id, declaration)
        # Whether they are in quarantine anywhere: intake would be refused.
        inside = set(
            Stay.objects.open().filter(person_id__in=ids).values_list("person_id", flat=True)
        )
    return [
        (m, latest.get(m.person.pk), m.person.pk in inside, _pick_token(user, m.person))
        for m in found
    ]


def _declarations(user):
    path = _intake_path(user)
    if path is None:
        return Declaration.objects.visible_to(user)
    return Declaration.objects.filter(area_path__startswith=path)


def _latest_declaration(user, person):
    return _declarations(user).filter(person=person).order_by("-created_at", "-id").first()


def _from_query(query):
    """'Nobody matches, enter a new person': keep what was typed in the search."""
    from vigil.core.phones import normalize_phone
    from vigil.people.validators import normalize_id_number

    compact = normalize_id_number(query.replace(".", "").replace("-", ""))
    if compact.isdigit() and len(compact) in (9, 12):
        return {"id_number": compact, "id_kind": "cmnd" if len(compact) == 9 else "cccd"}
    phone = normalize_phone(query)
    if phone:
        return {"phone": phone}
    if any(ch.isdigit() for ch in query):
        return {"id_number": compact}
    return {"full_name": " ".join(query.split())} if query else {}


@task_required(*STAY_TASKS)
def intake(request):
    """Search first (R-P2), then take the person in; a new person is recorded
    through the quarantine-intake channel, the one way people are created."""
    user = request.user
    if request.method == "POST":
        token = request.POST.get("pick", "")
        person = _picked(user, token) if token else None
        if token and person is None:
            messages.error(request, _("This search result is too old. Search again."))
            return redirect("quarantine:intake")
        form = IntakeForm(request.POST, user=user, person=person)
        if form.is_valid():
            try:
                stay = _take_in(request, form, person)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s was taken into %(facility)s, bed %(bed)s.")
                    % {
                        "name": stay.person.full_name,
                        "facility": stay.facility.name,
                        "bed": stay.bed or "-",
                    },
                )
                return redirect("quarantine:stay", stay.pk)
        return _render_intake(request, form=form, person=person)

    query = request.GET.get("q", "").strip()[:100]
    token = request.GET.get("pick", "")
    if token:
        person = _picked(user, token)
        if person is None:
            messages.error(request, _("This search result is too old. Search again."))
            return redirect("quarantine:intake")
        form = IntakeForm(initial={"pick": token}, user=user, person=person)
        return _render_intake(request, form=form, person=person)
    if request.GET.get("new"):
        form = IntakeForm(initial=_from_query(query), user=user)
        return _render_intake(request, form=form, query=query)
    matches = _intake_matches(user, query) if query else None
    return _render_intake(request, query=query, matches=matches)


def _take_in(request, form, person):
    data = form.cleaned_data
    # One transaction: a refused intake (bed just taken, person already in a
    # facility) leaves no new person or declaration behind.
    with transaction.atomic():
        if person is None:
            declaration = declaration_services.submit_declaration(
                form.identity(),
                form.declaration_data(),
                channel=Channel.QUARANTINE,
                actor=request.user,
                request=request,
            ).declaration
            person = declaration.person
        else:
            declaration = _latest_declaration(request.user, person)
        return services.take_in(
            request.user,
            person=person,
            facility=data["facility"],
            start_date=data["start_date"],
            bed=data.get("bed"),
            declaration=declaration,
            answers=form.answers(),
        )


def _render_intake(request, form=None, person=None, query="", matches=None):
    latest = _latest_declaration(request.user, person) if person is not None else None
    return render(
        request,
        "quarantine/intake.html",
        {
            "form": form,
            "person": person,
            "latest": latest,
            "query": query,
            "matches": matches,
            "facility": request.user.facility,
        },
    )


@require_GET
@task_required(*STAFF)
def bed_options(request):
    """<option>s of the free beds of a facility in scope (htmx, when the facility changes)."""
    value = request.GET.get(request.GET.get("from", "facility"), "")
    beds = Bed.objects.none()
    if value.isdigit():
        facility = stay_facilities(request.user).filter(pk=int(value)).first()
        if facility is not None:
            beds = ordered_beds(services.free_beds(facility))
    return render(request, "quarantine/_bed_options.html", {"choices": bed_choices(beds)})


@require_GET
@task_required(*STAFF)
def room_occupants(request):
    """Who sleeps in the room of the chosen bed (htmx, when the bed changes)."""
    value = request.GET.get(request.GET.get("from", "bed"), "")
    bed = None
    if value.isdigit():
        visible = Facility.objects.visible_to(request.user)
        bed = (
            Bed.objects.filter(pk=int(value), room__building__facility__in=visible)
            .select_related("room__building")
            .first()
        )
    beds = []
    if bed is not None:
        room_beds = list(bed.room.beds.order_by(Length("label"), "label"))
        occupants = {
            s.bed_id: s
            for s in Stay.objects.visible_to(request.user)
            .open()
            .filter(bed__room=bed.room)
            .select_related("person")
        }
        beds = [(b, occupants.get(b.pk)) for b in room_beds]
    return render(request, "quarantine/_room.html", {"bed": bed, "beds": beds})


# One stay -----------------------------------------------------------------------


def _stay_for(request, stay_id):
    return get_for_user(
        Stay.objects.select_related(
            "person__area", "facility", "bed__room__building", "declaration", "created_by"
        ),
        request.user,
        pk=stay_id,
    )


def _stay_forms(request, stay, **bound):
    user = request.user
    forms = {
        "move_form": MoveForm(
            prefix="move",
            user=user,
            initial={"facility": stay.facility_id, "version": stay.version},
        ),
        "extend_form": ExtendForm(
            prefix="extend",
            initial={
                "planned_end": stay.planned_end + datetime.timedelta(days=7),
                "version": stay.version,
            },
        ),
        "end_form": EndForm(
            prefix="end",
            initial={
                "end_date": timezone.localdate(),
                "outcome": Outcome.COMPLETED,
                "version": stay.version,
            },
        ),
        "delete_form": DeleteForm(prefix="delete"),
    }
    forms.update(bound)
    return forms


def _render_stay(request, stay, action="", **bound):
    tests = list(
        TestResult.objects.visible_to(request.user)
        .filter(person=stay.person)
        .order_by("-sample_date", "-id")[:10]
    )
    answers = [label for key, label in _answer_labels() if stay.intake_answers.get(key)]
    context = {
        "stay": stay,
        "tests": tests,
        "answers": answers,
        # The person's own page may be out of reach (they live in another district).
        "person_visible": Person.objects.visible_to(request.user)
        .filter(pk=stay.person_id)
        .exists(),
        "action": action,
        "may_act": request.user.has_task(*STAY_TASKS),
        **_stay_forms(request, stay, **bound),
    }
    return render(request, "quarantine/stay.html", context)


def _answer_labels():
    from vigil.declarations import questions

    return questions.EXPOSURES + questions.SYMPTOMS


@require_GET
@task_required(*STAFF)
def stay_detail(request, stay_id):
    return _render_stay(request, _stay_for(request, stay_id))


def _after(request, stay, message):
    messages.success(request, message)
    if Stay.objects.visible_to(request.user).filter(pk=stay.pk).exists():
        return redirect("quarantine:stay", stay.pk)
    return redirect("quarantine:list")


@require_POST
@task_required(*STAY_TASKS)
def stay_move(request, stay_id):
    stay = _stay_for(request, stay_id)
    form = MoveForm(request.POST, prefix="move", user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.move(
                request.user,
                stay,
                version=data["version"],
                facility=data["facility"],
                bed=data.get("bed"),
            )
        except services.StaleStay as exc:
            _stale(form, stay, exc.current)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _after(request, stay, _("The stay was moved."))
    return _render_stay(request, stay, action="move", move_form=form)


@require_POST
@task_required(*STAY_TASKS)
def stay_extend(request, stay_id):
    stay = _stay_for(request, stay_id)
    form = ExtendForm(request.POST, prefix="extend")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.extend(
                request.user,
                stay,
                version=data["version"],
                planned_end=data["planned_end"],
                reason=data["reason"],
            )
        except services.StaleStay as exc:
            _stale(form, stay, exc.current)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _after(request, stay, _("The stay was extended."))
    return _render_stay(request, stay, action="extend", extend_form=form)


@require_POST
@task_required(*STAY_TASKS)
def stay_end(request, stay_id):
    stay = _stay_for(request, stay_id)
    form = EndForm(request.POST, prefix="end")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.end_stay(
                request.user,
                stay,
                version=data["version"],
                end_date=data["end_date"],
                outcome=data["outcome"],
                note=data["note"],
            )
        except services.StaleStay as exc:
            _stale(form, stay, exc.current)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _after(request, stay, _("The stay has ended; the bed is free."))
    return _render_stay(request, stay, action="end", end_form=form)


@require_POST
@task_required(*STAY_TASKS)
def stay_delete(request, stay_id):
    stay = _stay_for(request, stay_id)
    form = DeleteForm(request.POST, prefix="delete")
    if form.is_valid():
        try:
            services.delete_entered_by_mistake(
                request.user, stay, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The stay was deleted."))
            return redirect("quarantine:list")
    return _render_stay(request, stay, action="delete", delete_form=form)


# Facilities ----------------------------------------------------------------------


@require_GET
@task_required(*STAFF)
def facility_list(request):
    form = FacilityFilterForm(request.GET, user=request.user)
    beds = (
        Bed.objects.filter(room__building__facility=OuterRef("pk"), active=True)
        .order_by()
        .values("room__building__facility")
        .annotate(n=Count("id"))
        .values("n")
    )
    inside = (
        Stay.objects.open()
        .filter(facility=OuterRef("pk"))
        .order_by()
        .values("facility")
        .annotate(n=Count("id"))
        .values("n")
    )
    facilities = (
        form.filter_qs(Facility.objects.visible_to(request.user))
        .select_related("area__parent")
        .annotate(
            n_beds=Coalesce(Subquery(beds, output_field=IntegerField()), Value(0)),
            n_inside=Coalesce(Subquery(inside, output_field=IntegerField()), Value(0)),
        )
        .order_by("area_path", "name")
    )
    page = Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quarantine/facilities.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "may_edit": request.user.has_task(*CATALOGUE_TASKS),
        },
    )


@task_required(*CATALOGUE_TASKS)
def facility_create(request):
    form = FacilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        facility = create_facility(request.user, **form.values())
        messages.success(request, _("The facility %(name)s was added.") % {"name": facility.name})
        return redirect("quarantine:facility", facility.pk)
    return render(request, "quarantine/facility_form.html", {"form": form})


@task_required(*CATALOGUE_TASKS)
def facility_edit(request, facility_id):
    facility = get_for_user(Facility.objects, request.user, pk=facility_id)
    form = FacilityForm(request.POST or None, user=request.user, instance=facility)
    if request.method == "POST" and form.is_valid():
        try:
            update_facility(
                request.user, facility, version=form.cleaned_data["version"], **form.values()
            )
        except StaleFacility as exc:
            _stale(form, facility, exc.current)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("quarantine:facility", facility.pk)
    return render(request, "quarantine/facility_form.html", {"form": form, "facility": facility})


def _facility_for(request, facility_id):
    return get_for_user(
        Facility.objects.select_related("area__parent"), request.user, pk=facility_id
    )


@require_GET
@task_required(*STAFF)
def facility_detail(request, facility_id):
    facility = _facility_for(request, facility_id)
    return _render_facility(request, facility, QuickRoomsForm(initial={"beds_per_room": 4}))


def _render_facility(request, facility, rooms_form):
    buildings = list(
        facility.buildings.annotate(
            n_rooms=Count("rooms", distinct=True),
            n_beds=Count("rooms__beds", filter=Q(rooms__beds__active=True)),
        )
    )
    wanted = request.GET.get("building", "")
    building = next(
        (b for b in buildings if str(b.pk) == wanted), buildings[0] if buildings else None
    )
    rooms = []
    if building is not None:
        occupants = {
            s.bed_id: s
            for s in Stay.objects.visible_to(request.user)
            .open()
            .filter(bed__room__building=building)
            .select_related("person")
        }
        room_list = building.rooms.prefetch_related(
            Prefetch("beds", queryset=Bed.objects.order_by(Length("label"), "label"))
        )
        rooms = [
            (room, [(bed, occupants.get(bed.pk)) for bed in room.beds.all()]) for room in room_list
        ]
    row = _board_rows(request.user, [facility])[0]
    return render(
        request,
        "quarantine/facility.html",
        {
            "facility": facility,
            "buildings": buildings,
            "building": building,
            "rooms": rooms,
            "row": row,
            "days": _days(),
            "rooms_form": rooms_form,
            "may_add_rooms": request.user.has_task(*ROOM_TASKS),
            "may_edit": request.user.has_task(*CATALOGUE_TASKS),
        },
    )


@require_POST
@task_required(*ROOM_TASKS)
def facility_rooms(request, facility_id):
    facility = _facility_for(request, facility_id)
    form = QuickRoomsForm(request.POST)
    if form.is_valid():
        try:
            created = services.add_rooms(request.user, facility, **form.arguments())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(n)s beds were added.") % {"n": created})
            building = Building.objects.filter(
                facility=facility, name=form.cleaned_data["building"].strip()
            ).first()
            url = reverse("quarantine:facility", args=[facility.pk])
            return redirect(f"{url}?building={building.pk}" if building else url)
    return _render_facility(request, facility, form)


# The board ---------------------------------------------------------------------


def _days():
    today = timezone.localdate()
    return [today - datetime.timedelta(days=n) for n in range(BOARD_DAYS - 1, -1, -1)]


def _board_rows(user, facilities):
    """Figures per facility, each kind one aggregate query over all of them:
    the number of queries does not grow with facilities or stays."""
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    first = today - datetime.timedelta(days=BOARD_DAYS - 1)
    ids = [f.pk for f in facilities]
    beds = dict(
        Bed.objects.filter(active=True, room__building__facility__in=ids)
        .order_by()
        .values_list("room__building__facility")
        .annotate(n=Count("id"))
    )
    stays = Stay.objects.visible_to(user).filter(facility__in=ids).order_by()
    now = {
        r["facility"]: r
        for r in stays.open()
        .values("facility")
        .annotate(
            inside=Count("id"),
            in_beds=Count("bed"),
            due_today=Count("id", filter=Q(planned_end__lte=today)),
            due_tomorrow=Count("id", filter=Q(planned_end=tomorrow)),
        )
    }
    arrivals, discharges = {}, {}
    for facility, day, n in (
        stays.filter(start_date__range=(first, today))
        .values_list("facility", "start_date")
        .annotate(n=Count("id"))
    ):
        arrivals[facility, day] = n
    for facility, day, n in (
        stays.filter(end_date__range=(first, today))
        .values_list("facility", "end_date")
        .annotate(n=Count("id"))
    ):
        discharges[facility, day] = n
    days = _days()
    rows = []
    for facility in facilities:
        figures = now.get(facility.pk, {})
        capacity = beds.get(facility.pk, 0)
        occupied = figures.get("in_beds", 0)
        daily = [
            (day, arrivals.get((facility.pk, day), 0), discharges.get((facility.pk, day), 0))
            for day in days
        ]
        rows.append(
            {
                "facility": facility,
                "beds": capacity,
                "occupied": occupied,
                "free": max(capacity - occupied, 0),
                "percent": round(100 * occupied / capacity) if capacity else None,
                "inside": figures.get("inside", 0),
                "due_today": figures.get("due_today", 0),
                "due_tomorrow": figures.get("due_tomorrow", 0),
                "daily": daily,
                "daily_cells": _daily_cells(daily),
                "arrivals": sum(a for _d, a, _x in daily),
                "discharges": sum(d for _d, _a, d in daily),
                "arrivals_today": daily[-1][1],
                "discharges_today": daily[-1][2],
            }
        )
    return rows


def _daily_cells(daily):
    """A facility's 14 cells "arrivals / discharges", built here: as template
    nodes, 50 facilities x 14 days were most of the board's rendering time."""
    # Integers only: nothing to escape.
    return mark_safe(  # noqa: S308
        "".join(f"<td>{a} / {d}</td>" if a or d else "<td>·</td>" for _day, a, d in daily)
    )


SUMMED = (
    "beds", "occupied", "free", "inside", "due_today", "due_tomorrow", "arrivals",
    "discharges", "arrivals_today", "discharges_today",
)  # fmt: skip


def _sum(rows, label=""):
    total = {key: sum(r[key] for r in rows) for key in SUMMED}
    total["label"] = label
    total["count"] = len(rows)
    total["percent"] = round(100 * total["occupied"] / total["beds"]) if total["beds"] else None
    if rows:
        total["daily"] = [
            (day, sum(r["daily"][i][1] for r in rows), sum(r["daily"][i][2] for r in rows))
            for i, (day, _a, _d) in enumerate(rows[0]["daily"])
        ]
    else:
        total["daily"] = [(day, 0, 0) for day in _days()]
    return total


@require_GET
@task_required(*STAFF)
def board(request):
    """R-Q4: per facility in scope, and summed per district and for the whole scope."""
    form = BoardFilterForm(request.GET, user=request.user)
    user = request.user
    facilities = Facility.objects.visible_to(user)
    if form.is_valid():
        if form.cleaned_data["district"]:
            facilities = facilities.filter(area_path__startswith=form.cleaned_data["district"].path)
        if form.cleaned_data["kind"]:
            facilities = facilities.filter(kind=form.cleaned_data["kind"])
    else:
        facilities = facilities.none()
    # Retired facilities still count while somebody is inside.
    occupied = Stay.objects.open().values("facility")
    facilities = list(
        facilities.filter(Q(active=True) | Q(pk__in=occupied))
        .select_related("area__parent")
        .order_by("area_path", "name")
    )
    rows = _board_rows(user, facilities)
    groups = {}
    for row in rows:
        area = row["facility"].area
        unit = area.parent if area.parent and area.parent.level == Level.DISTRICT else area
        groups.setdefault(unit, []).append(row)
    by_district = [_sum(items, unit.name) for unit, items in groups.items()]
    return render(
        request,
        "quarantine/board.html",
        {
            "form": form,
            "rows": rows,
            "total": _sum(rows, _("Total")),
            "by_district": by_district if len(by_district) > 1 else [],
            "days": _days(),
            "today": timezone.localdate(),
        },
    )
