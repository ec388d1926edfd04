"""Facilities, intake, moves, extensions and discharge (R-Q1..R-Q3, R-H1).

Every change checks the stay's version (a stale form is refused, not
overwritten) and is written to the audit log in the same transaction, with a
StayEvent (the stay's own history: intake, move, extend, end). Each step also
hands off to the person's surveillance through the declaration's one guarded
transition (vigil.declarations.transitions): intake closes a pending
verification ("verified_by_intake") and sets concentrated quarantine with the
stay's dates; a move, an extension and an end are "stay_moved",
"stay_extended", "stay_ended" with the new dates.

The bed and person rules are enforced by the database's partial unique
indexes; this module turns their IntegrityError into a clear message.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.audit.services import Action, log
from vigil.declarations import questions
from vigil.declarations.models import Declaration, Surveillance, VerificationState
from vigil.declarations.transitions import transition

from .models import Bed, Building, Facility, Outcome, Room, Stay, StayAction, StayEvent


class StaleStay(Exception):
    def __init__(self, current):
        self.current = current
        super().__init__("stale")


BED_TAKEN = gettext_lazy("This bed was just taken by someone else. Choose another bed.")
ALREADY_IN = gettext_lazy("This person is already in a quarantine facility: end that stay first.")


def _constraint_message(exc):
    text = str(exc)
    if "one_person_per_bed" in text or "bed_id" in text:
        return {"bed": BED_TAKEN}
    if "one_open_stay_per_person" in text or "person_id" in text:
        return {"person": ALREADY_IN}
    return {"__all__": _("This change conflicts with another one. Reload and try again.")}


def _check_dates(start, end=None, end_field="end_date"):
    today = timezone.localdate()
    errors = {}
    if start and start > today:
        errors["start_date"] = _("The start date cannot be in the future.")
    if end and end > today and end_field == "end_date":
        errors[end_field] = _("The end date cannot be in the future.")
    if start and end and end < start:
        errors[end_field] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


# Catalogue -----------------------------------------------------------------
# The facility catalogue ("Danh mục cơ sở cách ly"): like every change, a
# version check and an audit row in one transaction.


class StaleFacility(Exception):
    def __init__(self, current):
        self.current = current
        super().__init__("stale")


@transaction.atomic
def create_facility(actor, **values):
    facility = Facility.objects.create(**values)
    log(actor, Action.CREATE, facility, detail={"kind": facility.kind})
    return facility


@transaction.atomic
def update_facility(actor, facility, *, version, **values):
    """Change a facility's fields; a `version` other than the row's (someone
    saved meanwhile) is refused with StaleFacility, nothing written."""
    current = Facility.objects.select_for_update().get(pk=facility.pk)
    if version is not None and current.version != version:
        raise StaleFacility(current)
    changed = {}
    for name, value in values.items():
        before = getattr(current, name)
        if before != value:
            changed[name] = [_plain(before), _plain(value)]
            setattr(current, name, value)
    current.version += 1
    current.save()
    log(actor, Action.CHANGE, current, detail=changed)
    return current


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


@transaction.atomic
def add_rooms(actor, facility, *, building, floors, rooms, beds_per_room, prefix=""):
    """ "Building A, floors 1–6, rooms 01–40, 4 beds each" in one go.

    `floors` and `rooms` are ranges; room names are floor + two-digit number
    ("101", "240") unless `prefix` is given. Existing rooms and beds are kept;
    returns the number of beds created.
    """
    if beds_per_room < 1 or beds_per_room > 50:
        raise ValidationError({"beds_per_room": _("Between 1 and 50 beds per room.")})
    if len(floors) * len(rooms) > 2000:
        raise ValidationError({"rooms": _("At most 2,000 rooms at once.")})
    block, _created = Building.objects.get_or_create(facility=facility, name=building.strip())
    created = 0
    for floor in floors:
        for number in rooms:
            name = f"{prefix}{floor}{number:02d}"
            room, _new = Room.objects.get_or_create(
                building=block, name=name, defaults={"floor": floor}
            )
            existing = set(room.beds.values_list("label", flat=True))
            new = [
                Bed(room=room, label=str(n))
                for n in range(1, beds_per_room + 1)
                if str(n) not in existing
            ]
            Bed.objects.bulk_create(new)
            created += len(new)
    log(actor, Action.CHANGE, facility, detail={"building": block.name, "beds_added": created})
    return created


# Stays ------------------------------------------------------------------

# The questions intake asks (R-Q2): exposures and symptoms, each answered.
ANSWER_KEYS = [key for key, _label in questions.EXPOSURES + questions.SYMPTOMS]
# Outcomes that send the person home: the end-of-stay rules apply to them. A
# transfer to hospital or a positive result is not a release and waits for nothing.
RELEASES = (Outcome.COMPLETED, Outcome.OTHER)


def default_end(facility, start):
    return start + datetime.timedelta(days=facility.default_days())


def check_answers(answers):
    """Every exposure and symptom question answered yes or no, nothing assumed:
    an unanswered question used to be saved as "no" (a coughing arrival became
    "no symptoms")."""
    answers = answers or {}
    errors = {
        key: _("Answer yes or no.") for key in ANSWER_KEYS if not isinstance(answers.get(key), bool)
    }
    if errors:
        raise ValidationError(errors)
    return {key: answers[key] for key in ANSWER_KEYS}


def _place(stay):
    return {
        "facility_id": stay.facility_id,
        "facility": stay.facility.name,
        "bed_id": stay.bed_id,
        "bed": str(stay.bed) if stay.bed_id else "",
    }


def _event(stay, actor, action, before=None, after=None, note=""):
    return StayEvent.objects.create(
        stay=stay,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_data=before or {},
        to_data=after or {},
        note=note,
    )


@transaction.atomic
def take_in(
    actor,
    *,
    person,
    facility,
    start_date,
    bed=None,
    declaration=None,
    answers=None,
    planned_end=None,
):
    """Intake: a new open stay. Refuses a taken bed and a person already inside.

    `answers` (the exposure and symptom questions) must all be answered when
    given; only programmatic callers (the demo seed, fixtures) leave them out.
    `planned_end` defaults to the facility's quarantine days. The linked
    declaration's pending verification is closed ("verified by intake") and
    its surveillance becomes concentrated quarantine with the stay's dates, in
    the same transaction.
    """
    _check_dates(start_date)
    if answers is not None:
        answers = check_answers(answers)
    if bed is not None and bed.room.building.facility_id != facility.pk:
        raise ValidationError({"bed": _("This bed is not in the chosen facility.")})
    end = planned_end or default_end(facility, start_date)
    if end <= start_date:
        raise ValidationError({"planned_end": _("The planned end must be after the start date.")})
    stay = Stay(
        person=person,
        facility=facility,
        bed=bed,
        declaration=declaration,
        start_date=start_date,
        planned_end=end,
        intake_answers=answers or {},
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as exc:
        raise ValidationError(_intake_refusal(exc, person)) from None
    _event(
        stay,
        actor,
        StayAction.INTAKE,
        after={**_place(stay), "start_date": str(start_date), "planned_end": str(end)},
    )
    if declaration is not None:
        _close_verification(actor, declaration, stay)
        _mark_concentrated(actor, declaration, start_date, stay.planned_end)
    log(actor, Action.CREATE, stay, detail={"facility": facility.name, "bed": str(bed or "")})
    return stay


def _intake_refusal(exc, person):
    """The message for a refused intake; "already in <facility>" names where the
    person is (two facilities taking in the same person at once: the second
    waits for the first, then is refused here)."""
    message = _constraint_message(exc)
    if "person" in message:
        open_stay = (
            Stay.objects.filter(person=person, end_date__isnull=True)
            .select_related("facility")
            .first()
        )
        if open_stay is not None:
            where = _("They are in %(facility)s now.") % {"facility": open_stay.facility.name}
            message["person"] = [ALREADY_IN, where]
    return message


def _close_verification(actor, declaration, stay):
    """Intake closes the commune's pending verification (R-H1): staff saw the
    person and their papers at the facility's gate."""
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if current.verification_state != VerificationState.PENDING:
        return
    transition(
        current,
        actor=actor,
        version=None,
        action="verified_by_intake",
        state_field="verification_state",
        allowed_from=[VerificationState.PENDING],
        to_state=VerificationState.INTAKE,
        data={"stay": stay.pk, "facility": stay.facility.name},
    )


def _mark_concentrated(actor, declaration, start, end):
    transition(
        declaration,
        actor=actor,
        version=None,
        action="quarantine_intake",
        state_field="surveillance",
        allowed_from=["", *Surveillance.values],
        to_state=Surveillance.CONCENTRATED,
        changes={"surveillance_start": start, "surveillance_end": end},
    )


def _declaration_of(stay):
    """The declaration a stay hands off to: its own, else the person's latest."""
    if stay.declaration_id:
        return stay.declaration
    return Declaration.objects.filter(person=stay.person_id).order_by("-created_at", "-id").first()


def _hand_off(actor, stay, action, *, to_state=Surveillance.CONCENTRATED, changes=None, data=None,
              note=""):  # fmt: skip
    """The stay's change onto the person's surveillance (R-H1), through the
    declaration's one guarded transition; nothing when there is no declaration."""
    declaration = _declaration_of(stay)
    if declaration is None:
        return None
    return transition(
        declaration,
        actor=actor,
        version=None,
        action=action,
        state_field="surveillance",
        allowed_from=["", *Surveillance.values],
        to_state=to_state,
        changes={"surveillance_start": stay.start_date, **(changes or {})},
        note=note,
        data={"stay": stay.pk, **(data or {})},
    )


def _locked(stay, version):
    current = Stay.objects.select_for_update().select_related("facility").get(pk=stay.pk)
    if version is not None and current.version != version:
        raise StaleStay(current)
    return current


def _save(current, actor, detail, action=Action.CHANGE):
    current.version += 1
    try:
        with transaction.atomic():
            current.save()
    except IntegrityError as exc:
        raise ValidationError(_constraint_message(exc)) from None
    log(actor, action, current, detail=detail)
    return current


@transaction.atomic
def move(actor, stay, *, version, facility, bed):
    """Another bed, possibly in another facility."""
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has ended.")})
    if bed is not None and bed.room.building.facility_id != facility.pk:
        raise ValidationError({"bed": _("This bed is not in the chosen facility.")})
    before = _place(current)
    detail = {"from": str(current.bed or current.facility), "to": str(bed or facility)}
    current.facility, current.bed = facility, bed
    _save(current, actor, detail)
    after = _place(current)
    _event(current, actor, StayAction.MOVE, before, after)
    _hand_off(actor, current, "stay_moved", data={"from": before, "to": after})
    return current


@transaction.atomic
def extend(actor, stay, *, version, planned_end, reason):
    """A later planned end; the person's surveillance ends then too."""
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has ended.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    if planned_end <= current.planned_end:
        raise ValidationError({"planned_end": _("The new end must be after the planned end.")})
    before = str(current.planned_end)
    detail = {"planned_end": [before, str(planned_end)], "reason": reason}
    current.planned_end = planned_end
    _save(current, actor, detail)
    _event(
        current,
        actor,
        StayAction.EXTEND,
        {"planned_end": before},
        {"planned_end": str(planned_end)},
        reason,
    )
    _hand_off(
        actor,
        current,
        "stay_extended",
        changes={"surveillance_end": planned_end},
        data={"planned_end": [before, str(planned_end)]},
        note=reason,
    )
    return current


def has_negative_test(stay, until=None):
    """A negative result of a sample taken during the stay."""
    from vigil.testing.models import TestOutcome, TestResult

    tests = TestResult.objects.filter(
        person=stay.person_id, result=TestOutcome.NEGATIVE, sample_date__gte=stay.start_date
    )
    if until is not None:
        tests = tests.filter(sample_date__lte=until)
    return tests.exists()


def end_warnings(stay, end_date, outcome):
    """Why ending `stay` this way needs a reason and a confirmation (finding 6):
    a release before the planned end, or "completed" without the negative
    test the facility's rule asks for. Empty when nothing is unusual."""
    warnings = []
    if outcome not in RELEASES or end_date is None:
        return warnings
    if end_date < stay.planned_end:
        warnings.append(
            _("The stay ends before its planned end (%(date)s).")
            % {"date": stay.planned_end.strftime("%d/%m/%Y")}
        )
    if (
        outcome == Outcome.COMPLETED
        and stay.facility.negative_test_to_end
        and not has_negative_test(stay, end_date)
    ):
        warnings.append(_("There is no negative test result during the stay."))
    return warnings


@transaction.atomic
def end_stay(actor, stay, *, version, end_date, outcome, note="", reason="", confirmed=False):
    """ "HCL": the stay ends and its bed is free at once.

    An unusual end (see `end_warnings`) needs a reason and an explicit
    confirmation. The person's surveillance ends on the same date: "completed"
    and "other" keep the type (concentrated quarantine, now with its end
    date: what happens after it is CDC's decision, not a facility's);
    "hospital" and "positive" become hospital referral (a positive person is
    moved to a treatment facility).
    """
    current = _locked(stay, version)
    if current.end_date:
        raise ValidationError({"__all__": _("This stay has already ended.")})
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose how the stay ended.")})
    _check_dates(current.start_date, end_date)
    reason = (reason or "").strip()
    warnings = end_warnings(current, end_date, outcome)
    if warnings:
        errors = {}
        if not reason:
            errors["reason"] = _("Give the reason: %(why)s") % {"why": " ".join(warnings)}
        if not confirmed:
            errors["confirm"] = _("Confirm that the stay ends anyway.")
        if errors:
            raise ValidationError(errors)
    before = {"planned_end": str(current.planned_end), **_place(current)}
    current.end_date, current.outcome, current.end_note = end_date, outcome, note
    _save(
        current,
        actor,
        {"end_date": str(end_date), "outcome": outcome, "reason": reason, "warnings": warnings},
    )
    _event(
        current,
        actor,
        StayAction.END,
        before,
        {"end_date": str(end_date), "outcome": outcome, "note": note, "warnings": warnings},
        reason,
    )
    hospital = outcome in (Outcome.HOSPITAL, Outcome.POSITIVE)
    _hand_off(
        actor,
        current,
        "stay_ended",
        to_state=Surveillance.HOSPITAL if hospital else Surveillance.CONCENTRATED,
        changes={"surveillance_end": end_date},
        data={"end_date": str(end_date), "outcome": outcome},
        note=reason or note,
    )
    return current


@transaction.atomic
def admit(
    actor,
    *,
    facility,
    start_date,
    bed=None,
    planned_end=None,
    answers=None,
    person=None,
    declaration=None,
    correction=None,
    new_declaration=None,
    request=None,
):
    """Intake as the page and the API do it, all or nothing.

    - `new_declaration` = (identity, data): a person nobody found; their full
      declaration is recorded through the quarantine-intake channel (the one
      way people are created), and its exposure and symptom answers are the
      intake's answers;
    - else `person` (found by the search, or the declaration's) with
      `answers`, and `correction` = (person version, {field: value}) when
      staff corrected who they are.
    A refused intake (bed just taken, person already inside) leaves no new
    person, declaration or correction behind.
    """
    from vigil.declarations.models import Channel
    from vigil.declarations.services import submit_declaration
    from vigil.people.services import correct_person

    if new_declaration is not None:
        identity, data = new_declaration
        declaration = submit_declaration(
            identity, data, channel=Channel.QUARANTINE, actor=actor, request=request
        ).declaration
        person = declaration.person
        answers = {key: getattr(declaration, key) for key in ANSWER_KEYS}
    else:
        answers = check_answers(answers)
        if correction is not None:
            version, fields = correction
            person = correct_person(actor, person, version, fields)
    return take_in(
        actor,
        person=person,
        facility=facility,
        start_date=start_date,
        bed=bed,
        declaration=declaration,
        answers=answers,
        planned_end=planned_end,
    )


@transaction.atomic
def delete_entered_by_mistake(actor, stay, *, reason):
    """Only for a stay entered by mistake; the audit log keeps what it held."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why this stay is deleted.")})
    snapshot = {
        "person": stay.person_id,
        "facility": stay.facility_id,
        "bed": stay.bed_id,
        "start_date": str(stay.start_date),
        "planned_end": str(stay.planned_end),
        "end_date": str(stay.end_date or ""),
        "reason": reason,
    }
    log(actor, Action.DELETE, stay, detail=snapshot)
    stay.delete()


def free_beds(facility):
    """Beds of `facility` with no open stay, for the intake's bed choice."""
    taken = Stay.objects.filter(facility=facility, end_date__isnull=True, bed__isnull=False)
    return (
        Bed.objects.filter(room__building__facility=facility, active=True)
        .exclude(pk__in=taken.values("bed_id"))
        .select_related("room__building")
    )


__all__ = [
    "ALREADY_IN",
    "BED_TAKEN",
    "Facility",
    "StaleFacility",
    "StaleStay",
    "add_rooms",
    "admit",
    "create_facility",
    "delete_entered_by_mistake",
    "end_warnings",
    "end_stay",
    "extend",
    "free_beds",
    "move",
    "take_in",
    "update_facility",
]
