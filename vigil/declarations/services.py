"""Creating and changing declarations, matching people, and QR codes.

Every channel (public web, app, staff entry, paper import, external QR) calls
`submit_declaration`; nothing else creates a Declaration or a Person for one.
"""

import datetime
import functools
import io
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas import refdata
from vigil.audit.services import Action, log
from vigil.core import inserts
from vigil.core.text import fold
from vigil.people.models import Person
from vigil.people.services import insert_person, save_identity
from vigil.people.validators import normalize_id_number

from . import questions, risk
from .models import ONLINE_CHANNELS, Declaration, DeclarationEvent, VerificationState

IDENTITY_FIELDS = (
    "full_name",
    "id_kind",
    "id_number",
    "phone",
    "birth_year",
    "gender",
    "occupation",
)
DECLARATION_FIELDS = (
    "registration_kind",
    "student_code",
    "school",
    "departure_country",
    "departure_unit",
    "departure_place",
    "area",
    "village",
    "address",
    "transport",
    "transport_number",
    "arrival_date",
    "visited_areas",
    "proxy_relation",
    "paper_form_number",
    "paper_form_date",
    "paper_reason",
    "paper_reason_other",
    "checkpoint",
    *questions.KEYS,
)


class StaleDeclaration(Exception):
    """The declaration changed since the form was opened (optimistic locking)."""

    def __init__(self, current):
        self.current = current
        super().__init__("stale")


@dataclass
class Submission:
    declaration: Declaration
    created: bool  # False when an idempotency key matched an earlier submission


# People -------------------------------------------------------------------


def match_person(identity):
    """The existing Person these identity fields belong to, and whether they conflict.

    Matching order (R-P2): the ID number; then phone + name + birth year. The
    same ID number under a different name is a conflict: the caller keeps the
    people apart and flags the declaration for staff instead of merging them.

    One query for both: the ID number is unique (people migration 0005), so
    the first rows by id hold it and the earliest phone + name + birth year match.
    """
    id_number = normalize_id_number(identity.get("id_number"))
    key = fold(identity.get("full_name"))
    phone, birth_year = identity.get("phone"), identity.get("birth_year")
    if not id_number and not (phone and key):
        return None, False
    found = _candidates(id_number, phone if key else "", key, birth_year)
    if id_number:
        same_id = [p for p in found if p.id_number == id_number]
        for person in same_id:
            if person.search_key == key:
                return person, False
        if same_id:
            return None, True
    if phone and key:
        person = next(
            (
                p
                for p in found
                if p.phone == phone and p.search_key == key and p.birth_year == birth_year
            ),
            None,
        )
        if person is not None and (not person.id_number or not id_number):
            return person, False
    return None, False


@functools.cache
def _candidates_sql(by_id, by_phone, no_year, vendor):
    """The text of the matching statement of one shape (per process): the same
    statement the ORM would build from the Q objects, without building it."""
    meta = Person._meta

    def quote(name):
        return connection.ops.quote_name(meta.get_field(name).column)

    columns = ", ".join(connection.ops.quote_name(f.column) for f in meta.concrete_fields)
    conditions = []
    if by_id:
        conditions.append(f"{quote('id_number')} = %s")
    if by_phone:
        year = f"{quote('birth_year')} IS NULL" if no_year else f"{quote('birth_year')} = %s"
        conditions.append(f"({quote('phone')} = %s AND {quote('search_key')} = %s AND {year})")
    # Quoted names of the model and fixed text only; every value is a parameter.
    return (
        f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "  # noqa: S608
        f"WHERE {' OR '.join(conditions)} ORDER BY {quote(meta.pk.name)} LIMIT 6"
    )


def _candidates(id_number, phone, key, birth_year):
    """People holding `id_number`, or `phone` + `key` + `birth_year`, by id,
    at most 6: one statement whose text is built once per shape (building it
    through the ORM for every declaration cost about as much CPU as running it)."""
    params = [id_number] if id_number else []
    if phone:
        params += [phone, key] + ([] if birth_year is None else [birth_year])
    sql = _candidates_sql(bool(id_number), bool(phone), birth_year is None, connection.vendor)
    return list(Person.objects.raw(sql, params))


def _value(field, value):
    return normalize_id_number(value) if field == "id_number" else value


def declared(identity):
    """The identity fields as typed, for Declaration.declared_identity."""
    return {
        field: _value(field, identity.get(field))
        for field in IDENTITY_FIELDS
        if identity.get(field) not in (None, "")
    }


def _apply_identity(person, identity, area, overwrite=True):
    """Copy identity fields onto the person. Without `overwrite` (citizens'
    own channels), only blanks are filled and the person's commune is left
    as it is: what staff recorded for a known person is not replaced by what
    anyone typed on a phone."""
    for field in IDENTITY_FIELDS:
        value = identity.get(field)
        if value in (None, ""):
            continue
        if not overwrite and person.pk and getattr(person, field) not in (None, ""):
            continue
        setattr(person, field, _value(field, value))
    if overwrite or not person.pk:
        person.area = area
    return person


def _same(field, recorded, typed):
    if field in ("full_name", "occupation"):
        return fold(str(recorded)) == fold(str(typed))
    return recorded == typed


def identity_mismatch(person, identity):
    """{field: [recorded, declared]} where both hold a value and they differ:
    what the commune is asked to check, never shown to the citizen."""
    out = {}
    for field in IDENTITY_FIELDS:
        typed = identity.get(field)
        recorded = getattr(person, field)
        if typed in (None, "") or recorded in (None, ""):
            continue
        typed = _value(field, typed)
        if not _same(field, recorded, typed):
            out[field] = [recorded, typed]
    return out


# Recent declarations (never declare the same journey twice) ----------------

# A declaration whose arrival or creation falls within this many days is the
# same journey (finding 7: a checkpoint re-registering someone who declared
# online that morning). 14 days: the longest quarantine or monitoring period
# a declaration starts, so an older one belongs to a previous trip.
RECENT_DAYS = 14


def recent_declarations(user, identity):
    """Declarations of the last RECENT_DAYS of the person these identity fields
    name, in the user's jurisdiction, newest first (finding 7).

    The person is the one a save would reuse (services.match_person: the ID
    number, else phone + name + birth year), plus anyone recorded under the
    same ID number, which a save would keep apart as an identity conflict but
    is most likely the same arrival typed again. Declarations outside the
    jurisdiction stay unseen here as everywhere (R-P4): they neither warn nor
    block, and the new declaration is for a commune of this jurisdiction.
    """
    person, _conflict = match_person(identity)
    condition = Q()
    if person is not None:
        condition |= Q(person=person)
    id_number = normalize_id_number(identity.get("id_number"))
    if id_number:
        condition |= Q(person__id_number=id_number)
    if not condition:
        return []
    return recent_for(user, condition)


def recent_for(user, condition, limit=5):
    """Declarations matching `condition` with an arrival or a creation within
    RECENT_DAYS (an arrival date still ahead counts too), in scope, newest first."""
    since = timezone.localdate() - datetime.timedelta(days=RECENT_DAYS)
    recent = Q(arrival_date__gte=since) | Q(
        created_at__gte=timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    )
    return list(
        Declaration.objects.visible_to(user)
        .filter(condition)
        .filter(recent)
        .select_related("area")
        .order_by("-created_at", "-id")[:limit]
    )


# Declarations -------------------------------------------------------------


# A new person inserted at the same time by another submission, or a code
# drawn twice: each attempt is a new transaction.
ATTEMPTS = 3


def submit_declaration(
    identity,
    data,
    *,
    channel,
    actor=None,
    submitter_phone="",
    is_proxy=False,
    idempotency_key=None,
    external_payload="",
    request=None,
):
    """Record one declaration through any channel. Returns a Submission.

    `identity` holds the Person fields, `data` the Declaration fields (cleaned
    values: model instances, dates, booleans). A repeated `idempotency_key`
    (double tap, retry on a flaky network) returns the first declaration.

    The key is not looked up first: the unique index on it refuses the second
    insert (a retry racing the first waits for it to commit), the whole
    transaction rolls back, and the first declaration is returned. A new person
    racing another submission of the same ID number fails the same way; the
    next attempt finds the winner. The normal path is one transaction of
    match, person insert (a new person), declaration insert and audit insert.
    """
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                declaration = _record(
                    identity,
                    data,
                    channel=channel,
                    actor=actor,
                    submitter_phone=submitter_phone,
                    is_proxy=is_proxy,
                    idempotency_key=idempotency_key,
                    external_payload=external_payload,
                    request=request,
                )
        except IntegrityError:
            earlier = _earlier(idempotency_key)
            if earlier is not None:
                return Submission(earlier, False)
            if attempt == ATTEMPTS - 1:
                raise
        else:
            return Submission(declaration, True)
    raise AssertionError("unreachable")  # pragma: no cover


def _record(identity, data, *, channel, actor, submitter_phone, is_proxy, **extra):
    """The person (matched, updated or created), the declaration and its audit
    event, in the caller's transaction; an IntegrityError leaves it to be
    rolled back and tried again."""
    matched = _matched_person(identity, data, channel)
    declaration = Declaration(
        person=matched.person,
        declared_identity=declared(identity),
        person_version=matched.person.version if matched.created else None,
        channel=channel,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        submitter_phone=submitter_phone,
        is_proxy=is_proxy,
        idempotency_key=extra["idempotency_key"] or None,
        identity_conflict=matched.conflict,
        external_payload=extra["external_payload"],
        # Staff saw the person (walk-in, paper, checkpoint, door-step scan):
        # only online declarations wait for verification at home.
        verification_state=(
            VerificationState.PENDING
            if channel in ONLINE_CHANNELS
            else VerificationState.NOT_REQUIRED
        ),
        **_declaration_values(data),
    )
    risk.assess(declaration)
    inserts.save_new(declaration)  # save(force_insert=True), its SQL text built once
    detail = {"channel": channel, "proxy": is_proxy, "submitter_phone": submitter_phone}
    detail["identity_conflict"] = matched.conflict
    if matched.mismatch:
        _flag_mismatch(declaration, matched.mismatch)
    log(extra["request"] or actor, Action.CREATE, declaration, detail=detail)
    return declaration


def _flag_mismatch(declaration, mismatch):
    """The commune's flag for an online declaration whose identity differs from
    the person's record: the same event as a citizen's correction request
    (transitions.amend), with the fields recorded → declared."""
    DeclarationEvent.objects.create(
        declaration=declaration,
        action="correction_requested",
        data={"changes": {f: [_plain(a), _plain(b)] for f, (a, b) in mismatch.items()}},
    )


def _earlier(idempotency_key):
    """The declaration already recorded with this idempotency key, or None."""
    if not idempotency_key:
        return None
    return Declaration.objects.filter(idempotency_key=idempotency_key).first()


@dataclass
class Matched:
    person: Person
    conflict: bool  # the declaration needs the commune's check
    created: bool
    mismatch: dict  # {field: [recorded, declared]}


def _matched_person(identity, data, channel):
    """The Person the declaration is about (saved), found or created.

    Staff channels correct a known person with what they typed (they saw the
    papers). Online channels fill the person's blanks only; what differs from
    the record becomes a flag for the commune. A new person lands in the
    declared commune. Two submissions racing to create the same new person
    (same ID number) end with one Person: the loser's insert fails on the
    unique index, and its next attempt (submit_declaration) takes the winner.
    """
    online = channel in ONLINE_CHANNELS
    person, conflict = match_person(identity)
    if person is None:
        person = _apply_identity(Person(), identity, data["area"])
        if conflict:
            # The number is someone else's: this person is kept apart,
            # without it (one Person per ID number); the declaration
            # keeps the number typed, and the commune checks.
            person.id_number = ""
        # No savepoint: losing the race fails the whole attempt (submit_declaration).
        insert_person(person, savepoint=False)
        return Matched(person, conflict, True, {})
    mismatch = identity_mismatch(person, identity) if online else {}
    before = {f: getattr(person, f) for f in (*IDENTITY_FIELDS, "area_id")}
    _apply_identity(person, identity, data["area"], overwrite=not online)
    if any(getattr(person, f) != v for f, v in before.items()):
        person.version += 1
        _cached_area(person)  # Person.save reads its area's path
        if online:
            # Blanks filled: an ID number taken meanwhile by someone else fails
            # the attempt, and the next one finds the conflict.
            person.save()
        else:
            save_identity(person)
    return Matched(person, conflict or bool(mismatch), False, mismatch)


def _cached_area(person):
    """Give `person` its commune from the per-process cache, not a query."""
    if person.area_id is not None and not Person.area.is_cached(person):
        unit = refdata.units().get(person.area_id)
        if unit is not None:
            person.area = unit


def _declaration_values(data):
    """The Declaration fields present in `data`; None becomes the field's default
    for columns that cannot be NULL (the API sends null for an unanswered field)."""
    values = {}
    for name in DECLARATION_FIELDS:
        if name not in data:
            continue
        value = data[name]
        field = Declaration._meta.get_field(name)
        values[name] = field.get_default() if value is None and not field.null else value
    return values


def update_declaration(declaration, identity, data, *, version, actor=None, request=None):
    """Staff correction of a declaration and its person: the guarded `amend`."""
    from .transitions import amend

    return amend(declaration, identity, data, version=version, actor=actor, request=request)


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# QR codes -----------------------------------------------------------------

QR_PREFIX = "VGL1"


class InvalidCode(Exception):
    """Not a QR of this system, or one that was altered."""

    message = _("Not a valid code.")


def _signer():
    return signing.Signer(key=settings.VIGIL_QR_SECRET, salt="vigil.declarations.qr")


def qr_payload(declaration):
    """'VGL1:<code>:<signature>': short enough for a small QR, unforgeable without the key."""
    return _signer().sign(f"{QR_PREFIX}:{declaration.code}")


def code_from_payload(payload):
    """The declaration code inside a signed payload; InvalidCode when forged or altered."""
    payload = (payload or "").strip()
    try:
        value = _signer().unsign(payload)
    except signing.BadSignature:
        raise InvalidCode from None
    prefix, _sep, code = value.partition(":")
    if prefix != QR_PREFIX or not code:
        raise InvalidCode
    return code


def qr_svg(payload, scale=6):
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_png(payload, scale=8):
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
