"""The one way a declaration's state or answers change (DESIGN: "state changes are events").

Three entry points, one discipline: lock (or version-check) the row, check
that the change applies to the current state, apply it, bump the version, and
record a DeclarationEvent and an audit row in the same transaction.

- `transition` moves one state field (verification, medical, approval,
  surveillance) from one of the allowed states to another;
- `amend` changes the answers and the person's identity (staff corrections,
  citizens' own amendments), with the rules for what a citizen may still
  change once staff decided;
- `apply_reassessments` writes a re-evaluation of the risk rules for many
  declarations at once, skipping any declaration changed since it was read.

Nothing else writes these fields: `tests/declarations/test_guarded_writes.py`
reads the source tree and fails on a direct write anywhere else.
"""

import json

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.audit.services import Action, log
from vigil.people.services import save_identity

from . import risk
from .models import (
    Declaration,
    DeclarationEvent,
    MedicalState,
    VerificationState,
)
from .services import (
    IDENTITY_FIELDS,
    StaleDeclaration,
    _apply_identity,
    _declaration_values,
    _plain,
    declared,
    identity_mismatch,
)

# CDC's decisions on a declaration's surveillance: the latest one's time is
# kept on the declaration (`decided_at`), as the time of its event.
DECISION_ACTIONS = ("medical_verify", "surveillance_override")


class TransitionRefused(Exception):
    """The action does not apply to the declaration's current state."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


# Other modules' reactions to a transition, inside its transaction: the
# investigation module opens a monitoring period when CDC decides home
# quarantine or monitoring. Each is called as f(declaration, action, actor).
_AFTER_TRANSITION = []


def after_transition(hook):
    if hook not in _AFTER_TRANSITION:
        _AFTER_TRANSITION.append(hook)


ALREADY_DONE = _("This declaration was already handled; reload it to see its current state.")

# Once staff decided, a citizen may not change who the declaration is about:
# a changed name or ID number would move a verified record to someone else.
LOCKED_IDENTITY = ("id_number", "full_name", "birth_year")


def _lock(declaration, version):
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if version is not None and current.version != version:
        raise StaleDeclaration(current)
    return current


def _record(current, *, actor, action, from_state="", to_state="", note="", data=None, **extra):
    event = DeclarationEvent.objects.create(
        declaration=current,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        **extra,
    )
    return event


def _record_colour(current, actor, action, from_colour, note, data):
    """An event whose states are the risk colour before and after."""
    return _record(
        current,
        actor=actor,
        action=action,
        from_state=from_colour,
        to_state=current.risk_colour,
        note=note,
        data=data,
    )


@transaction.atomic
def transition(
    declaration,
    *,
    actor,
    version,
    action,
    state_field,
    allowed_from,
    to_state,
    changes=None,
    note="",
    data=None,
    to_area=None,
    guard=None,
):
    """Move `declaration.<state_field>` from one of `allowed_from` to `to_state`.

    `changes` are other fields to set (surveillance type and dates...).
    `to_area` moves the declaration to another commune (a transfer).
    `guard(current)` runs on the locked row before anything changes and may
    raise (ValidationError, TransitionRefused) to refuse; it may return
    further events of the same change (an override of an earlier decision),
    as dicts of action, from_state, to_state, note.
    Returns the updated declaration.
    """
    current = _lock(declaration, version)
    from_state = getattr(current, state_field)
    if from_state not in allowed_from:
        raise TransitionRefused(ALREADY_DONE)
    extra_events = (guard(current) if guard is not None else None) or ()
    from_area = current.area
    at = _move(current, state_field, to_state, changes, to_area, action, extra_events)
    current.version += 1
    current.save()
    moved = to_area is not None
    _record(
        current,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        from_area=from_area if moved else None,
        to_area=to_area,
        note=note,
        data=data,
        at=at,
    )
    for extra in extra_events:
        _record(current, actor=actor, at=at, **extra)
        data = {**(data or {}), extra["action"]: [extra["from_state"], extra["to_state"]]}
    log(
        actor,
        Action.CHANGE,
        current,
        area_path=from_area.path if moved else current.area_path,
        detail={"action": action, "from": from_state, "to": to_state, "note": note, **(data or {})},
    )
    for hook in _AFTER_TRANSITION:
        hook(current, action, actor)
    return current


def _move(current, state_field, to_state, changes, to_area, action, extra_events):
    """Set the new state and the other changed fields on the locked row (not
    saved), and the time of CDC's decision when the transition's events
    (`action`, `extra_events`) hold one. Returns the time of the events."""
    at = timezone.now()
    actions = [action, *(extra["action"] for extra in extra_events)]
    if any(name in DECISION_ACTIONS for name in actions):
        current.decided_at = at
    from_area = current.area
    setattr(current, state_field, to_state)
    for field, value in (changes or {}).items():
        setattr(current, field, value)
    if to_area is not None:
        current.transferred_from = from_area
        current.area = to_area
        current.village = None
    return at


# Amendments ----------------------------------------------------------------


def staff_decided(declaration):
    """Whether staff already acted on the declaration: verified it (or found
    they could not), took the person into quarantine, or CDC decided."""
    return (
        declaration.verification_state
        in (VerificationState.RETURNED, VerificationState.FAILED, VerificationState.INTAKE)
        or declaration.medical_state == MedicalState.VERIFIED
        or bool(declaration.surveillance)
    )


def _display(value):
    """A before/after value as the history shows it."""
    if value is None or value == "":
        return ""
    if hasattr(value, "pk"):
        return str(value)
    return _plain(value)


@transaction.atomic
def amend(
    declaration,
    identity,
    data,
    *,
    version,
    actor=None,
    request=None,
    by_citizen=False,
    note="",
    correction_note="",
):
    """Change a declaration's answers and its person's identity.

    Staff corrections apply in full and re-run the risk rules. A citizen's
    amendment does too until staff decided; after that (R-V5, R-M1):
    the ID number, name and birth year are not changed but sent to the
    commune as a correction request; a higher colour applies at once, a lower
    one is only proposed to CDC; the declaration is marked "amended after
    verification" in the queues. `correction_note` is the citizen's own
    words about what is wrong in the locked fields. Every amendment is an
    event with the fields changed, before → after. Returns the declaration.
    """
    current = _lock(declaration, version)
    guarded = by_citizen and staff_decided(current)
    values = _declaration_values(data)
    identity = dict(identity)
    requested = _held_back(current, identity, values) if guarded else {}
    changed, from_colour, proposal, mismatch = _apply_amendment(
        current, identity, values, guarded, by_citizen
    )
    correction_note = (correction_note or "").strip()
    # The citizen is told about their own request only: whether what they
    # typed differs from the record is the commune's to know.
    told = bool(requested or correction_note)
    if mismatch:
        current.identity_conflict = True
        requested = {**mismatch, **requested}
    if guarded and (changed or requested or proposal or correction_note):
        current.amended_after_decision = True
    current.version += 1
    current.save()
    _record_amendment(
        current,
        actor=actor,
        request=request,
        action="citizen_amend" if by_citizen else "amend",
        from_colour=from_colour,
        note=note,
        changed=changed,
        proposal=proposal,
        requested=requested,
        correction_note=correction_note,
    )
    # For the page and the API: say that the identity change became a request.
    current.correction_requested = told
    return current


def _apply_amendment(current, identity, values, guarded, by_citizen):
    """Set the new identity (saved) and answers (not saved) and re-run the
    risk rules: (the changes {field: [before, after]}, the colour before, the
    lower colour only proposed to CDC, if any, and what the citizen typed
    that differs from the person's record {field: [recorded, typed]})."""
    before = {f: getattr(current, f) for f in values}
    if by_citizen:
        identity_changes, mismatch = _citizen_identity(current, identity, guarded)
    else:
        identity_changes, mismatch = _staff_identity(current, identity, values), {}
    for field, value in values.items():
        setattr(current, field, value)
    old = {f: getattr(current, f) for f in ("risk_colour", "medical_state")}
    proposal = _reassess(current, lower_only_proposed=guarded)
    changed = _diff(before, current) | identity_changes | _diff(old, current, _as_is)
    return changed, old["risk_colour"], proposal, mismatch


def _staff_identity(current, identity, values):
    """Staff correct the person with what they typed (they see the papers);
    the identity as the citizen declared it stays as it was."""
    person = current.person
    before = {f: getattr(person, f) for f in IDENTITY_FIELDS if f in identity}
    _apply_identity(person, identity, values.get("area", current.area))
    person.version += 1
    save_identity(person)
    return _diff(before, person)


def _own_person(current, person):
    """Whether the person is still only what this declaration's citizen typed:
    created by it, changed by nobody since, in no other record."""
    return (
        current.person_version is not None
        and current.person_version == person.version
        and not person.declarations.exclude(pk=current.pk).exists()
        and not person.stays.exists()
    )


def _taken(person, identity):
    """Whether the ID number typed is another person's (then it is not moved
    onto this one: it becomes a flag for the commune)."""
    number = declared({"id_number": identity.get("id_number")}).get("id_number")
    if not number or number == person.id_number:
        return False
    return type(person).objects.filter(id_number=number).exclude(pk=person.pk).exists()


def _citizen_identity(current, identity, guarded):
    """A citizen's amendment of who the declaration is about: the declared
    identity changes; the Person only while it is still the citizen's own
    typing (`_own_person`), and never its commune. Otherwise only the
    person's blanks are filled, and what differs from the record is returned
    for the commune to check. (changes {field: [before, after]}, mismatch)."""
    person = current.person
    before = dict(current.declared_identity or {})
    after = dict(before)
    for field in IDENTITY_FIELDS:
        if field in identity:
            after.pop(field, None)
            after.update(declared({field: identity[field]}))
    current.declared_identity = after
    own = not guarded and _own_person(current, person) and not _taken(person, identity)
    mismatch = {} if own else identity_mismatch(person, identity)
    recorded = {f: getattr(person, f) for f in IDENTITY_FIELDS}
    area = person.area
    _apply_identity(person, identity, area, overwrite=own)
    if any(getattr(person, f) != v for f, v in recorded.items()):
        person.version += 1
        save_identity(person)
        if own:
            current.person_version = person.version
    fields = set(before) | set(after)
    changes = {
        f: [_display(before.get(f)), _display(after.get(f))]
        for f in IDENTITY_FIELDS
        if f in fields and before.get(f) != after.get(f)
    }
    return changes, {f: [_display(a), _display(b)] for f, (a, b) in mismatch.items()}


def _record_amendment(
    current, *, actor, request, action, from_colour, note, changed, proposal, requested,
    correction_note,
):  # fmt: skip
    """The amendment's event, the correction request's event if any, and the audit row."""
    data_out = {"changes": changed, **({"proposed_colour": proposal} if proposal else {})}
    _record_colour(current, actor, action, from_colour, note, data_out)
    if requested or correction_note:
        _record(
            current,
            actor=actor,
            action="correction_requested",
            note=correction_note,
            data={"changes": requested},
        )
    log(
        request or actor,
        Action.CHANGE,
        current,
        detail={"action": action, **changed, **({"requested": requested} if requested else {})},
    )


def _held_back(current, identity, values):
    """What a citizen may no longer change once staff decided, taken out of
    `identity` and `values`: {field: [now, asked for]} for a correction request."""
    requested = {}
    # Moving to another commune after a decision is a transfer, staff's to
    # make: asked for, not applied.
    area = values.pop("area", None)
    if area is not None and area.pk != current.area_id:
        requested["area"] = [_display(current.area), _display(area)]
        village = values.get("village")
        if village is not None and village.parent_id != current.area_id:
            values.pop("village")
    person = current.person
    for field in LOCKED_IDENTITY:
        wanted = identity.pop(field, None)
        if wanted in (None, ""):
            continue
        if field == "id_number":
            wanted = wanted.strip().upper()
        if wanted != getattr(person, field):
            requested[field] = [_display(getattr(person, field)), _display(wanted)]
    return requested


def _reassess(current, *, lower_only_proposed):
    """Re-run the risk rules on the changed answers. A lower result is only
    proposed (returned, not applied) when `lower_only_proposed`: never
    lowered by the person it protects others from, CDC decides."""
    result = risk.evaluate(current)
    if lower_only_proposed and result.level < current.risk_level:
        current.proposed_colour = result.colour
        return result.colour
    risk.apply(current, result)
    current.proposed_colour = ""
    return ""


def _as_is(value):
    return value


def _diff(before, obj, show=None):
    """{field: [before, after]} of the fields of `before` that `obj` changed."""
    show = show or _display
    return {
        f: [show(value), show(getattr(obj, f))]
        for f, value in before.items()
        if value != getattr(obj, f)
    }


@transaction.atomic
def review_amendment(declaration, *, actor, version, accept_proposal=None, note=""):
    """Staff looked at a citizen's amendment after their decision.

    `accept_proposal` (CDC only, when the rules proposed a lower colour):
    True applies the proposed colour, False keeps the current one. The mark
    "amended after verification" is cleared either way.
    """
    current = _lock(declaration, version)
    if not current.amended_after_decision and not current.proposed_colour:
        raise TransitionRefused(ALREADY_DONE)
    from_colour = current.risk_colour
    data = {}
    if current.proposed_colour and accept_proposal is not None:
        data = {"proposed_colour": current.proposed_colour, "accepted": bool(accept_proposal)}
        if accept_proposal:
            risk.apply(current, risk.evaluate(current))
        current.proposed_colour = ""
    current.amended_after_decision = False
    current.version += 1
    current.save()
    action = "colour_decided" if data else "amendment_reviewed"
    _record_colour(current, actor, action, from_colour, note, data)
    log(actor, Action.CHANGE, current, detail={"action": action, **data, "note": note})
    return current


# Re-evaluation of the risk rules ---------------------------------------------------


def apply_reassessments(rows, *, actor=None, job_id=None):
    """Write re-evaluated risk results, each only if the declaration is as read.

    `rows` are (pk, version read, level, colour, score, reasons, medical state,
    colour read). A row is written only while its version is still the one
    read and CDC has not verified it since: `UPDATE ... WHERE version = v AND
    medical_state <> 'verified'`, so a staff decision made while the job runs
    is never overwritten and never contradicted by the event log. Each write
    bumps the version and records an event; one audit row per call names the
    declarations. Returns the set of primary keys written; the caller
    re-reads the others and tries again.
    """
    if not rows:
        return set()
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            written = _reassess_postgresql(rows, user, job_id)
        else:
            written = _reassess_one_by_one(rows, user, job_id)
        if written:
            log(
                user,
                Action.CHANGE,
                None,
                area_path=getattr(user, "jurisdiction_path", "") or "",
                object_repr="risk re-evaluation",
                detail={"action": "risk_reevaluated", "job": job_id, "declarations": written},
            )
    return set(written)


def _reassess_postgresql(rows, user, job_id):
    """One statement writes the chunk and its events (a CTE): building 70,000
    event objects in Python took a third of the job's time."""
    table = Declaration._meta.db_table
    events = DeclarationEvent._meta.db_table
    values = ", ".join(["(%s, %s, %s, %s, %s, %s::jsonb, %s, %s)"] * len(rows))
    params = [
        v
        for pk, version, level, colour, score, reasons, medical, old in rows
        for v in (pk, version, level, colour, score, json.dumps(list(reasons)), medical, old)
    ]
    with connection.cursor() as cursor:
        # Row locks in id order first: two jobs (two rule changes in a row),
        # or a job and another multi-row writer, then never wait for each
        # other in a cycle. The UPDATE's own scan order is the planner's.
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE",  # noqa: S608
            [[row[0] for row in rows]],
        )
        cursor.execute(
            f"""
            WITH v (id, version, level, colour, score, reasons, medical, old) AS (
                VALUES {values}
            ), written AS (
                UPDATE {table} AS d SET risk_level = v.level, risk_colour = v.colour,
                    risk_score = v.score, risk_reasons = v.reasons, medical_state = v.medical,
                    version = d.version + 1, updated_at = now()
                FROM v WHERE d.id = v.id AND d.version = v.version
                    AND d.medical_state <> %s
                RETURNING d.id, v.level, v.colour, v.reasons, v.old
            )
            INSERT INTO {events} (declaration_id, at, actor_id, action, from_state,
                to_state, note, data)
            SELECT id, now(), %s, 'risk_reevaluated', old, colour, '',
                jsonb_build_object('level', level, 'reasons', reasons, 'job', %s::bigint)
            FROM written ORDER BY id
            RETURNING declaration_id
            """,  # noqa: S608
            [*params, MedicalState.VERIFIED, getattr(user, "pk", None), job_id],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _reassess_one_by_one(rows, user, job_id):
    """SQLite: one writer at a time, so a row is checked and written alone."""
    now = timezone.now()
    written = []
    for pk, version, level, colour, score, reasons, medical, old in rows:
        n = (
            Declaration.objects.filter(pk=pk, version=version)
            .exclude(medical_state=MedicalState.VERIFIED)
            .update(
                risk_level=level,
                risk_colour=colour,
                risk_score=score,
                risk_reasons=list(reasons),
                medical_state=medical,
                version=version + 1,
                updated_at=now,
            )
        )
        if n:
            written.append(pk)
            DeclarationEvent.objects.create(
                declaration_id=pk,
                at=now,
                actor=user,
                action="risk_reevaluated",
                from_state=old,
                to_state=colour,
                data={"level": level, "reasons": list(reasons), "job": job_id},
            )
    return written


__all__ = [
    "ALREADY_DONE",
    "TransitionRefused",
    "amend",
    "apply_reassessments",
    "review_amendment",
    "staff_decided",
    "transition",
]
