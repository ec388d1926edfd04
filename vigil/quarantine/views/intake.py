"""Intake ("Nhập khu cách ly" → "Thêm mới"): search first, reuse the person
found, else record a new one, then facility, start date, bed and answers."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models.functions import Length
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.audit.services import stale_message
from vigil.core.permissions import TAKE_IN, requires
from vigil.declarations.forms import DeclarationForm
from vigil.people.models import Person
from vigil.people.services import Match, StalePerson, search_people

from .. import services, worklists
from ..forms import (
    IntakeForm,
    PersonCorrectionForm,
    answers_initial,
    bed_choices,
    ordered_beds,
    stay_facilities,
)
from ..models import Bed, Facility, Stay
from ..worklists import intake_declarations, latest_declaration, to_take_in

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


def _intake_matches(request, query, limit=20):
    """[(Match, latest declaration or None, already inside?, pick token), ...]

    A facility manager sees of a person outside the facility's district only
    what `worklists.FarPerson` / `FarDeclaration` hold.
    """
    user = request.user
    if not user.facility_id:
        people = Person.objects.visible_to(user).select_related("area")
        found = [(m, True) for m in search_people(people, query, limit)]
    else:
        found = worklists.facility_intake_search(request, query, limit)
    ids = [m.person.pk for m, _near in found]
    latest = {}
    inside = set()
    if ids:
        for declaration in (
            intake_declarations(user).filter(person_id__in=ids).order_by("-created_at", "-id")
        ):
            latest.setdefault(declaration.person_id, declaration)
        # Whether they are in quarantine anywhere: intake would be refused.
        inside = set(
            Stay.objects.open().filter(person_id__in=ids).values_list("person_id", flat=True)
        )
    rows = []
    for match, near in found:
        person, declaration = match.person, latest.get(match.person.pk)
        token = _pick_token(user, person)
        if not near:
            match = Match(worklists.far_person(person), match.kind)
            declaration = worklists.far_declaration(declaration)
        rows.append((match, declaration, person.pk in inside, token))
    return rows


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


@requires(TAKE_IN)
def intake(request):
    """Search first (R-P2), then take the person in: one found by the search
    (`pick`), one CDC sent (`declaration`, from the "to take in" list, every
    field pre-filled from the declaration), or a new person with the full
    declaration form, recorded through the quarantine-intake channel."""
    user = request.user
    if request.method == "POST":
        return _post_intake(request)
    query = request.GET.get("q", "").strip()[:100]
    token = request.GET.get("pick", "")
    if request.GET.get("declaration"):
        declaration = _sent_by_cdc(user, request.GET["declaration"])
        if declaration is None:
            raise Http404
        return _render_intake(request, **_found_forms(user, declaration.person, declaration))
    if token:
        person = _picked(user, token)
        if person is None:
            messages.error(request, _("This search result is too old. Search again."))
            return redirect("quarantine:intake")
        return _render_intake(request, **_found_forms(user, person, token=token))
    if request.GET.get("new"):
        return _render_intake(
            request,
            form=IntakeForm(user=user, with_answers=False),
            declaration_form=DeclarationForm(initial=_from_query(query)),
            query=query,
        )
    try:
        matches = _intake_matches(request, query) if query else None
    except worklists.LookupLimit:
        messages.error(request, _("Too many searches in the last hour. Try again later."))
        response = _render_intake(request, query=query)
        response.status_code = 429
        return response
    return _render_intake(request, query=query, matches=matches)


def _sent_by_cdc(user, value):
    """A declaration of the user's "to take in" list, or None."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        return None
    return to_take_in(user).select_related("person__area").filter(pk=pk).first()


def _found_forms(user, person, declaration=None, token="", data=None):
    """The forms of an intake of a known person; from CDC's declaration, its
    answers and planned end as the starting values."""
    initial = {"pick": token}
    if declaration is not None:
        initial.update(answers_initial(declaration), declaration=declaration.pk)
        end = declaration.surveillance_end
        if end and end > timezone.localdate():
            initial["planned_end"] = end
    return {
        "form": IntakeForm(data, user=user, initial=initial),
        "person_form": PersonCorrectionForm(data, prefix="person", person=person),
        "person": person,
        "sent": declaration,
    }


def _post_intake(request):
    user = request.user
    token = request.POST.get("pick", "")
    sent = None
    if request.POST.get("declaration"):
        sent = _sent_by_cdc(user, request.POST["declaration"])
        if sent is None:
            messages.error(
                request, _("This person is no longer waiting to be taken in: see the list.")
            )
            return redirect("quarantine:to-take-in")
        forms = _found_forms(user, sent.person, sent, data=request.POST)
    elif token:
        person = _picked(user, token)
        if person is None:
            messages.error(request, _("This search result is too old. Search again."))
            return redirect("quarantine:intake")
        forms = _found_forms(user, person, token=token, data=request.POST)
    else:
        forms = {
            "form": IntakeForm(request.POST, user=user, with_answers=False),
            "declaration_form": DeclarationForm(request.POST),
        }
    bound = [f for f in (forms.get("form"), forms.get("person_form"),
                         forms.get("declaration_form")) if f is not None]  # fmt: skip
    # A list, not a generator: every form is validated, each shows its errors.
    if all([f.is_valid() for f in bound]):  # noqa: C419
        try:
            stay = _admit(request, forms, sent)
        except StalePerson as exc:
            person_form = forms["person_form"]
            person_form.add_error(None, stale_message(exc.current))
            person_form.data = person_form.data.copy()
            person_form.data[person_form.add_prefix("version")] = exc.current.version
        except ValidationError as exc:
            _spread_errors(bound, exc)
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
    return _render_intake(request, **forms)


def _admit(request, forms, sent):
    form = forms["form"]
    values = form.stay_values()
    declaration_form = forms.get("declaration_form")
    if declaration_form is not None:
        return services.admit(
            request.user,
            **values,
            new_declaration=(declaration_form.identity(), declaration_form.declaration_data()),
            request=request,
        )
    person_form = forms["person_form"]
    person = forms["person"]
    changes = person_form.changes()
    return services.admit(
        request.user,
        **values,
        person=person,
        declaration=sent or latest_declaration(request.user, person),
        answers=form.answers(),
        correction=(person_form.cleaned_data["version"], changes) if changes else None,
        request=request,
    )


def _spread_errors(forms, exc):
    """A service's errors next to the field of whichever form has it; the
    others at the top of the intake form."""
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        target = next((f for f in forms if field in f.fields), None)
        if target is None:
            forms[0].add_error(None, items)
        else:
            target.add_error(field, items)


def _render_intake(
    request,
    form=None,
    person=None,
    query="",
    matches=None,
    person_form=None,
    declaration_form=None,
    sent=None,
):
    latest = None
    if person is not None:
        latest = sent or latest_declaration(request.user, person)
    return render(
        request,
        "quarantine/intake.html",
        {
            "form": form,
            "person": person,
            "person_form": person_form,
            "declaration_form": declaration_form,
            "sent": sent,
            "latest": latest,
            "query": query,
            "matches": matches,
            "facility": request.user.facility,
        },
    )


@require_GET
@requires(TAKE_IN)
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
@requires(TAKE_IN)
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
