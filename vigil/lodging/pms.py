"""Property-management systems push their check-ins and check-outs (R-A1).

An establishment's software authenticates with the establishment's key
(`Authorization: Bearer vgp_...`, vigil.lodging.catalogue) and sends one guest
or a batch of up to PMS_BATCH_MAX. Each guest carries the PMS's idempotency
key: a retried batch finds the stays it made and creates nothing twice.

One transaction for the batch, one savepoint per guest: a bad guest gets its
messages per field and nothing is saved for it, the good ones are saved.
Idempotency keys and declaration codes are looked up in bulk, not per guest.
Every stay is made by `vigil.lodging.services.check_in` (source "pms").

The guest's fields are checked here (`clean_guest`) for the paper register
import too (vigil.lodging.imports): one set of rules and messages.
"""

import datetime
import re
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from vigil.areas.models import Country
from vigil.core.phones import normalize_phone
from vigil.core.text import fold
from vigil.declarations.models import Declaration
from vigil.people.models import Gender, IdKind
from vigil.people.validators import normalize_id_number, validate_id_number

from . import catalogue, pms_bulk, services
from .models import GuestStay, StaySource

PMS_BATCH_MAX = 500
KEY_MAX = 100
NAME_MAX = 200
GENDERS = {g.value for g in Gender}
ID_KINDS = {k.value for k in IdKind}


# Authentication ------------------------------------------------------------------


def authenticate(secret):
    """The live PmsToken whose secret is `secret`, or None (a staff token,
    an unknown or a revoked key)."""
    return catalogue.authenticate_pms(secret)


# One guest's fields --------------------------------------------------------------


class Countries:
    """{folded code or name: country code}, read once a batch."""

    def __init__(self):
        self.codes = {}
        for country in Country.objects.all():
            for key in (country.code, country.name, country.name_en):
                self.codes.setdefault(fold(key), country.code)

    def code(self, value):
        if value in (None, ""):
            return "VN"
        return self.codes.get(fold(str(value)))


@dataclass
class Guest:
    """A guest's checked values; `errors` {field: [message]} when bad."""

    identity: dict = field(default_factory=dict)
    nationality: str = "VN"
    declaration_code: str = ""
    room: str = ""
    at: datetime.datetime | None = None
    planned_check_out: datetime.date | None = None
    check_out: datetime.datetime | None = None
    key: str = ""
    errors: dict = field(default_factory=dict)

    def error(self, name, message):
        self.errors.setdefault(name, []).append(str(message))


def text_value(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def clean_guest(raw, establishment, countries):
    """A Guest from `raw` ({field: value}: full_name, birth_year, gender,
    id_number, id_kind, nationality, phone, declaration_code, room, check_in,
    planned_check_out, check_out, idempotency_key); values may be text or
    already dates (the paper register)."""
    guest = Guest()
    _clean_identity(guest, raw, establishment, countries)
    guest.declaration_code = text_value(raw.get("declaration_code")).upper()
    guest.room = text_value(raw.get("room"))
    if len(guest.room) > services.ROOM_MAX:
        guest.error("room", _("At most %(max)d characters.") % {"max": services.ROOM_MAX})
    guest.key = text_value(raw.get("idempotency_key"))
    if len(guest.key) > KEY_MAX:
        guest.error("idempotency_key", _("At most %(max)d characters.") % {"max": KEY_MAX})
    guest.at = parse_when(guest, "check_in", raw.get("check_in"), required=True)
    guest.planned_check_out = _day(guest, "planned_check_out", raw.get("planned_check_out"))
    guest.check_out = parse_when(guest, "check_out", raw.get("check_out"))
    if guest.at and guest.check_out and guest.check_out < guest.at:
        guest.error("check_out", _("The check-out is before the check-in."))
    soon = timezone.now() + datetime.timedelta(minutes=10)
    if guest.at and guest.at > soon:
        guest.error("check_in", _("The check-in time is in the future."))
    if guest.check_out and guest.check_out > soon:
        guest.error("check_out", _("The check-out time is in the future."))
    return guest


def _clean_identity(guest, raw, establishment, countries):
    name = text_value(raw.get("full_name"))
    if not name:
        guest.error("full_name", _("Enter the guest's full name."))
    elif len(name) > NAME_MAX:
        guest.error("full_name", _("At most %(max)d characters.") % {"max": NAME_MAX})
    nationality = countries.code(raw.get("nationality"))
    if nationality is None:
        guest.error(
            "nationality",
            _("Unknown country “%(value)s”.") % {"value": text_value(raw.get("nationality"))},
        )
    guest.nationality = nationality or ""
    kind, number = _id_number(guest, raw, nationality)
    guest.identity = {
        "full_name": name,
        "id_number": number,
        "id_kind": kind,
        "phone": _phone(guest, raw.get("phone"), nationality),
        "birth_year": _birth_year(guest, raw.get("birth_year")),
        "gender": _gender(guest, raw.get("gender")),
        "area": establishment.area,
    }


def _id_number(guest, raw, nationality):
    """(kind, number): a Vietnamese card's spaces are dropped (typed from the
    card); a passport number with spaces is refused (a PMS or clerk mistake)."""
    typed = text_value(raw.get("id_number"))
    kind = text_value(raw.get("id_kind")).lower()
    if not typed:
        guest.error("id_number", _("Enter the guest's ID or passport number."))
        return kind, ""
    if kind and kind not in ID_KINDS:
        guest.error("id_kind", _("Use one of: %(values)s.") % {"values": ", ".join(ID_KINDS)})
        return "", ""
    digits = typed.replace(" ", "")
    if not kind:
        if nationality not in (None, "VN") or not digits.isdigit():
            kind = IdKind.PASSPORT
        else:
            kind = IdKind.CCCD if len(digits) > 9 else IdKind.CMND
    if kind == IdKind.PASSPORT and re.search(r"\s", typed):
        guest.error("id_number", _("A passport number has no spaces: type it as printed."))
        return kind, ""
    try:
        return kind, validate_id_number(kind, typed)
    except ValidationError as exc:
        guest.error("id_number", " ".join(exc.messages))
        return kind, normalize_id_number(typed)


def _phone(guest, value, nationality):
    typed = text_value(value)
    if not typed:
        return ""
    phone = normalize_phone(typed)
    if phone is None:
        if nationality not in (None, "VN"):
            return ""  # a foreign number: the register keeps the passport
        guest.error("phone", _("Enter a Vietnamese phone number (10 digits)."))
        return ""
    return phone


def _birth_year(guest, value):
    typed = text_value(value)
    if not typed:
        return None
    this_year = timezone.localdate().year
    if typed.isdigit() and 1900 <= int(typed) <= this_year:
        return int(typed)
    guest.error("birth_year", _("Enter a year between 1900 and %(year)d.") % {"year": this_year})
    return None


GENDER_WORDS = {"nam": "male", "nu": "female", "khac": "other", "m": "male", "f": "female"}


def _gender(guest, value):
    typed = fold(text_value(value))
    if not typed:
        return ""
    gender = typed if typed in GENDERS else GENDER_WORDS.get(typed)
    if gender is None:
        guest.error("gender", _("Use one of: %(values)s.") % {"values": "male, female, other"})
        return ""
    return gender


def parse_when(guest, name, value, required=False):
    """A datetime (aware): a datetime cell, or ISO 8601 / dd/mm/yyyy HH:MM text."""
    if isinstance(value, datetime.datetime):
        found = value
    elif isinstance(value, datetime.date):
        found = datetime.datetime.combine(value, datetime.time(12, 0))
    else:
        typed = text_value(value)
        if not typed:
            if required:
                guest.error(name, _("Enter the date and time."))
            return None
        found = _parse_when(typed)
        if found is None:
            guest.error(
                name,
                _("Enter a date and time as %(example)s.") % {"example": "2021-08-25T14:30+07:00"},
            )
            return None
    if timezone.is_naive(found):
        found = timezone.make_aware(found)
    return found


def _parse_when(typed):
    try:
        found = parse_datetime(typed)
    except ValueError:
        found = None
    if found is not None:
        return found
    for fmt in ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(typed, fmt)
        except ValueError:
            continue
    return None


def _day(guest, name, value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    typed = text_value(value)
    if not typed:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(typed, fmt).date()
        except ValueError:
            continue
    guest.error(name, _("Enter a date as %(example)s.") % {"example": "2021-08-25"})
    return None


# Declarations named by code, in bulk ------------------------------------------


def declarations_by_code(codes):
    """{code: Declaration} of the codes given, in one query."""
    codes = sorted({c for c in codes if c})
    found = {}
    for start in range(0, len(codes), 500):
        rows = Declaration.objects.filter(code__in=codes[start : start + 500])
        for declaration in rows.select_related("person"):
            found[declaration.code] = declaration
    return found


def check_declaration(guest, declarations):
    """The declaration the guest's code names (None without a code); an
    unknown code or someone else's declaration is an error on the guest."""
    if not guest.declaration_code:
        return None
    declaration = declarations.get(guest.declaration_code)
    if declaration is None:
        guest.error(
            "declaration_code",
            _("No declaration has the code “%(code)s”.") % {"code": guest.declaration_code},
        )
        return None
    person = declaration.person
    number = guest.identity.get("id_number")
    if person.id_number and number and person.id_number != number:
        guest.error("declaration_code", _("This declaration is about someone else."))
        return None
    return declaration


def foreign_nationality(code):
    """The Country of a foreign guest's nationality code, None for Vietnamese."""
    if not code or code == "VN":
        return None
    return Country.objects.filter(pk=code).first()


def register(actor, establishment, guest, declaration, source, group_code=""):
    """Check the guest in (and out, when the guest has a check-out): a
    services.CheckIn. ValidationError when the service refuses."""
    result = services.check_in(
        actor,
        establishment,
        declaration=declaration,
        identity=None if declaration is not None else guest.identity,
        room=guest.room,
        at=guest.at,
        planned_check_out=guest.planned_check_out,
        group_code=group_code,
        source=source,
        idempotency_key=guest.key,
        nationality=foreign_nationality(guest.nationality),
    )
    if result.created and guest.check_out is not None:
        stay = result.stay
        at = guest.check_out
        result.stay = services.check_out(stay, actor=actor, version=stay.version, at=at)
    return result


# Batches -------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the PMS is told of one guest."""

    index: int
    key: str
    status: str  # created | existing | invalid
    stay: GuestStay | None = None
    declaration: Declaration | None = None
    errors: dict = field(default_factory=dict)


def _existing(establishment, keys):
    """{idempotency key: GuestStay} of the keys already used here, in one query."""
    keys = sorted({k for k in keys if k})
    found = {}
    for start in range(0, len(keys), 500):
        rows = GuestStay.objects.filter(
            establishment=establishment, idempotency_key__in=keys[start : start + 500]
        ).select_related("declaration")
        for stay in rows:
            found[stay.idempotency_key] = stay
    return found


def check_in_batch(actor, establishment, raws):
    """[Outcome, ...] of a batch of guests ({field: value} each), in its order.
    `actor`: the request (the audit rows' address), or a user."""
    countries = Countries()
    guests = [clean_guest(raw, establishment, countries) for raw in raws]
    seen = {}
    for guest in guests:
        if not guest.key:
            guest.error("idempotency_key", _("Give each guest an idempotency key."))
        elif seen.setdefault(guest.key, guest) is not guest:
            guest.error("idempotency_key", _("This key is used twice in the batch."))
    existing = _existing(establishment, (g.key for g in guests))
    declarations = declarations_by_code(g.declaration_code for g in guests)
    outcomes, fast = [None] * len(guests), []
    for index, guest in enumerate(guests):
        earlier = existing.get(guest.key) if not guest.errors.get("idempotency_key") else None
        if earlier is not None:
            outcomes[index] = Outcome(index, guest.key, "existing", earlier, earlier.declaration)
            continue
        declaration = check_declaration(guest, declarations)
        if guest.errors:
            outcomes[index] = Outcome(index, guest.key, "invalid", errors=guest.errors)
        elif pms_bulk.eligible(establishment, guest):
            fast.append((index, guest, declaration))
    with transaction.atomic():
        stays = pms_bulk.store(actor, establishment, [(g, d) for _i, g, d in fast]) if fast else []
        for (index, guest, _d), stay in zip(fast, stays or [], strict=False):
            outcomes[index] = Outcome(index, guest.key, "created", stay, stay.declaration)
        for index, guest in enumerate(guests):
            if outcomes[index] is None:
                outcomes[index] = _one(actor, establishment, index, guest, declarations)
    return outcomes


def _one(actor, establishment, index, guest, declarations):
    """One guest the slow way: services.check_in in its own savepoint."""
    declaration = check_declaration(guest, declarations) if guest.declaration_code else None
    if guest.errors:
        return Outcome(index, guest.key, "invalid", errors=guest.errors)
    try:
        # check_in is atomic itself (a savepoint here); a check-out after it needs one more.
        with transaction.atomic() if guest.check_out else nullcontext():
            result = register(actor, establishment, guest, declaration, StaySource.PMS)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Outcome(index, guest.key, "invalid", errors=errors)
    status = "created" if result.created else "existing"
    return Outcome(index, guest.key, status, result.stay, result.stay.declaration)


# Check-outs ----------------------------------------------------------------------


def find_stay(establishment, *, stay_id=None, key=""):
    """The establishment's stay named by id or by its check-in's idempotency
    key, or None (another establishment's stay is not found)."""
    stays = GuestStay.objects.filter(establishment=establishment)
    if stay_id is not None:
        return stays.filter(pk=stay_id).first()
    if key:
        return stays.filter(idempotency_key=key).first()
    return None


def check_out(actor, stay, at):
    """(stay, changed): a stay already checked out at that time is answered
    as it is (a retried check-out changes nothing)."""
    if stay.check_out is not None and (at is None or stay.check_out == at):
        return stay, False
    return services.check_out(stay, actor=actor, version=stay.version, at=at), True
