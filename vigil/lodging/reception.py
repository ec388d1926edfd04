"""Finding the guest at the reception (R-A1, R-P2): read-only look-ups.

An establishment's account sees only its own guests, yet the reception must
find a guest who declared online elsewhere. It does so only through what the
guest hands over: a QR (Vigil's signed one names exactly one declaration; the
national declaration's QR carries the identity) or an exact ID, passport or
phone number. It never browses the commune's people by name. What was found
travels to the check-in form as a signed reference, so that a posted form
cannot name anyone else.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.core import signing
from django.utils.translation import gettext as _

from vigil.core.phones import normalize_phone
from vigil.declarations import external
from vigil.declarations import services as declarations
from vigil.declarations.models import CODE_LENGTH, Declaration
from vigil.people.models import Person
from vigil.people.validators import normalize_id_number

from .services import latest_declaration

_SALT = "vigil.lodging.guest"
# How long a found guest may wait at the desk before the form must be redone.
REFERENCE_MAX_AGE = datetime.timedelta(hours=12)
# An exact number names at most a few people (a shared family phone).
NUMBER_MATCHES = 5
_NUMBER = re.compile(r"^\+?[0-9A-Z]{6,15}$")


@dataclass
class Found:
    """A guest found at the desk: a known person (with their recent
    declaration, or None), or the identity read from a national QR."""

    person: Person | None = None
    declaration: Declaration | None = None
    initial: dict = field(default_factory=dict)  # for the declaration form

    @property
    def reference(self):
        return make_reference(self.person, self.declaration)


def make_reference(person, declaration):
    if person is None:
        return ""
    value = {"p": person.pk, "d": declaration.pk if declaration is not None else None}
    return signing.dumps(value, salt=_SALT, compress=True)


def read_reference(text):
    """(person, declaration) of a signed reference, or (None, None)."""
    try:
        value = signing.loads(text or "", salt=_SALT, max_age=REFERENCE_MAX_AGE)
    except signing.BadSignature:
        return None, None
    person = Person.objects.filter(pk=value.get("p")).first()
    if person is None:
        return None, None
    declaration = None
    if value.get("d"):
        declaration = Declaration.objects.filter(pk=value["d"], person=person).first()
    return person, declaration


class NotFound(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def from_payload(text):
    """The guest a scanned or typed QR names: a Found, or NotFound with the reason.

    A Vigil QR (signed, `VGL1:...`) or its short code names one declaration;
    a national QR gives the identity to fill the arrival declaration with,
    and the person when the ID number is already known."""
    text = (text or "").strip()
    if not text:
        raise NotFound(_("Scan the guest's QR or type the code under it."))
    code = None
    if text.upper().startswith(declarations.QR_PREFIX + ":"):
        try:
            code = declarations.code_from_payload(text)
        except declarations.InvalidCode:
            raise NotFound(str(declarations.InvalidCode.message)) from None
    else:
        compact = text.upper().replace(" ", "").replace("-", "")
        if len(compact) == CODE_LENGTH and compact.isalnum():
            code = compact
    if code is not None:
        declaration = Declaration.objects.select_related("person").filter(code=code).first()
        if declaration is None:
            raise NotFound(_("No declaration has this code."))
        # A declaration older than the check-in window is not linked: the
        # guest declares again (latest_declaration is then None).
        return Found(declaration.person, latest_declaration(declaration.person))
    parsed = external.parse(text)
    if parsed is None:
        raise NotFound(str(declarations.InvalidCode.message))
    initial = parsed.initial()
    person, _conflict = declarations.match_person(initial)
    return Found(person, latest_declaration(person) if person else None, initial)


def by_number(text):
    """People whose ID / passport number or phone is exactly `text`, each
    with their recent declaration: [(person, declaration or None)]."""
    text = (text or "").strip()
    compact = normalize_id_number(re.sub(r"[.\-()]", "", text))
    if not _NUMBER.match(compact):
        raise NotFound(_("Type a whole ID number, passport number or phone number."))
    people = list(Person.objects.filter(id_number=compact.lstrip("+"))[:NUMBER_MATCHES])
    phone = normalize_phone(text)
    if phone and len(people) < NUMBER_MATCHES:
        seen = [p.pk for p in people]
        people += list(
            Person.objects.filter(phone=phone).exclude(pk__in=seen)[: NUMBER_MATCHES - len(people)]
        )
    return [Found(p, latest_declaration(p), {}) for p in people]


def initial_for(compact):
    """Identity fields for a new guest from what was typed in the search."""
    compact = normalize_id_number(re.sub(r"[.\-()]", "", compact or ""))
    if compact.isdigit() and len(compact) in (9, 12):
        return {"id_number": compact, "id_kind": "cmnd" if len(compact) == 9 else "cccd"}
    phone = normalize_phone(compact)
    if phone:
        return {"phone": phone}
    if compact:
        return {"id_number": compact, "id_kind": "passport"}
    return {}
