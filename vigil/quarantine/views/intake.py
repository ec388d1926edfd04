"""Intake ("Nhập khu cách ly" → "Thêm mới"): search first, reuse the person
found, else record a new one, then facility, start date, bed and answers."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.accounts.views import task_required
from vigil.areas.models import AdminUnit, Level
from vigil.core.modules import STAFF
from vigil.declarations import services as declaration_services
from vigil.declarations.models import Channel, Declaration
from vigil.people.models import Person
from vigil.people.services import search_people

from .. import services
from ..forms import (
    STAY_TASKS,
    IntakeForm,
    bed_choices,
    ordered_beds,
    stay_facilities,
)
from ..models import Bed, Facility, Stay
from .shared import _add_errors

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
