"""The people registry: finding a person before creating one (R-P2)."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import F, Value
from django.db.models.functions import Collate, StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from vigil.audit.services import Action, log
from vigil.core import inserts
from vigil.core.phones import normalize_phone
from vigil.core.text import fold

from .models import Person

MATCH_LABELS = {
    "id": _("same ID number"),
    "phone": _("same phone"),
    "name": _("same name"),
    "name_prefix": _("name starts with"),
    "name_words": _("name contains"),
}


@dataclass
class Match:
    person: object
    kind: str

    @property
    def label(self):
        return MATCH_LABELS[self.kind]


# How many "contains every word" matches are ranked by name at most.
WORDS_CANDIDATES = 200

# ID numbers (digits, passports: letters and digits) and phones, once spaces,
# dots, dashes and brackets are taken out; an optional leading + for phones.
_CODE_LIKE = re.compile(r"^\+?[0-9A-Za-z]*[0-9][0-9A-Za-z]*$")


def name_key(using=DEFAULT_DB_ALIAS):
    """The folded name as the name index holds it: on PostgreSQL in the "C"
    collation (byte order, as SQLite's BINARY), so that the index on
    (search_key COLLATE "C", id, area_path) of migration 0003 both serves
    `name_key LIKE 'nguyen van %'` as a range and returns it already in
    order, with the scope in the index. With the database's own collation no
    one index can do both: the planner walked the whole name index from 'a'
    and filtered 200,000 rows (300 ms at 1M people)."""
    if connections[using].vendor == "postgresql":
        return Collate("search_key", "C")
    return F("search_key")


def by_name_key(queryset):
    """`queryset` ordered by the folded name, then id, with it as `name_key`."""
    return queryset.alias(name_key=name_key(queryset.db)).order_by("name_key", "id")


def with_name_key(queryset):
    """`queryset` with its folded name selected as `name_key` (a keyset
    cursor holds it), unordered."""
    return queryset.annotate(name_key=name_key(queryset.db))


# When at least this many people have a name beginning as typed, those are
# the matches of a list's keyword: the names containing the words elsewhere
# (the trigram index, which reads every person with a common word: 50-100 ms
# at 2M people) are not looked for.
PREFIX_ENOUGH = 50


def common_beginning(key):
    """Whether at least PREFIX_ENOUGH people have a folded name beginning with
    `key`: a range of the name index, at most PREFIX_ENOUGH entries read.

    Counted over every person, not a user's: it only chooses how a list
    matches a name (by its beginning, or anywhere in it), never which rows
    are shown, which the list reads from its own scope. Counted in a
    commune's people instead, a common full name that few of them bear sent
    every search to the trigram index: a commune's keyword pages took 57-85
    ms instead of 22-25 ms at 2M declarations (bench/lists.py)."""
    begins = by_name_key(Person.objects.all()).filter(name_key__startswith=key)
    return begins.order_by().values("pk")[:PREFIX_ENOUGH].count() >= PREFIX_ENOUGH


def search_people(queryset, query, limit=20):
    """Matches for `query` in `queryset`, ranked: exact ID number, exact phone,
    exact name, name prefix, then names containing every word.

    `queryset` is already scoped (``Person.objects.visible_to(user)``). Each
    stage is one indexed query with its own LIMIT, and later stages run only
    while fewer than `limit` matches were found: a single ORDER BY over all
    candidates would sort every "Nguyễn" in the province on each keystroke.
    """
    query = (query or "").strip()
    if not query:
        return []
    found, seen = [], set()

    def take(qs, kind):
        if len(found) >= limit:
            return
        for person in qs.exclude(pk__in=seen)[: limit - len(found)]:
            seen.add(person.pk)
            found.append(Match(person, kind))

    compact = re.sub(r"[\s.\-()]", "", query)
    if _CODE_LIKE.match(compact):
        take(queryset.filter(id_number=compact.lstrip("+").upper()), "id")
        phone = normalize_phone(query)
        if phone:
            take(queryset.filter(phone=phone), "phone")
    key = fold(query)
    if key and not key.replace(" ", "").isdigit():
        named = by_name_key(queryset)
        take(named.filter(name_key=key), "name")
        take(named.filter(name_key__startswith=key + " "), "name_prefix")
        words = key.split()
        began = any(match.kind in ("name", "name_prefix") for match in found)
        # A name of several words that begins some names: those are the
        # matches. The words inside other names are looked for only when none
        # begins so: the trigram index reads every person with a common word
        # ("nguyen minh dung": 75 ms in a commune at 2M people, 260 ms at 10M).
        if began and len(words) > 1:
            return found
        # A single letter would match nearly everyone: not a useful search.
        if len(words) > 1 or len(words[0]) >= 2:
            matching = queryset
            for word in words:
                if len(word) >= 3:
                    matching = matching.filter(search_key__contains=word)
                else:
                    # The same test, out of the trigram index's reach: a word
                    # of one or two letters has no trigram, and as LIKE it made
                    # PostgreSQL read the whole index ('vy': 250 ms at 1M).
                    matching = matching.filter(GreaterThan(StrIndex("search_key", Value(word)), 0))
            # Candidates first, in no order: the trigram index finds rare
            # words, and a scan stops early on common ones. Asking for the
            # matches in name order instead let PostgreSQL walk the name index
            # from 'a' and filter, a second at 1M people when the matches sat
            # late in the alphabet ('ha huu quan'). Beyond WORDS_CANDIDATES
            # matches, the page shows the first names of that many of them.
            candidates = matching.order_by().values("pk")[:WORDS_CANDIDATES]
            take(named.filter(pk__in=candidates), "name_words")
    return found


# Creating people -------------------------------------------------------------------

ID_TAKEN = _(
    "This ID number is already recorded for another person: find that person, or "
    "correct the other record first."
)


def insert_person(person, savepoint=True):
    """Insert a new Person; None when another transaction recorded one with the
    same ID number first (the unique index of migration 0005): the caller then
    finds that person and reuses it. The insert runs in its own savepoint, so
    the caller's transaction goes on after the refusal. On PostgreSQL the
    losing insert waits for the winner's transaction to end, then fails: a
    new query (READ COMMITTED) sees the winner.

    Without `savepoint` (two statements fewer) the IntegrityError reaches the
    caller, whose transaction is then lost: it starts again from the matching.
    """
    if not savepoint:
        inserts.save_new(person)
        return person
    try:
        with transaction.atomic():
            inserts.save_new(person)
    except IntegrityError:
        if not person.id_number:
            raise
        person.pk = None
        return None
    return person


def save_identity(person):
    """Save a known person whose identity staff changed; an ID number already
    held by someone else is refused with a ValidationError, not a server error."""
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": ID_TAKEN}) from None
    return person


# Staff corrections --------------------------------------------------------------


class StalePerson(Exception):
    """The person changed since the form was read; `current` is the record now."""

    def __init__(self, current):
        super().__init__("stale person")
        self.current = current


@transaction.atomic
def correct_person(actor, person, version, fields):
    """Correct who a person is, from the papers in front of the staff: row lock
    and version check (a stale form is refused with StalePerson), then the
    change, before and after, in the audit log. Returns the person as saved."""
    from .models import Person

    current = Person.objects.select_for_update().get(pk=person.pk)
    if current.version != version:
        raise StalePerson(current)
    if not fields:
        return current
    # Whole values, as amend() logs them: the audit log is read only by
    # administrators of the jurisdiction, and a masked ID number correction
    # would not say what was corrected.
    changes = {}
    for name, value in fields.items():
        changes[name] = [str(getattr(current, name) or ""), str(value or "")]
        setattr(current, name, value)
    current.version += 1
    save_identity(current)
    log(actor, Action.CHANGE, current, detail={"corrected": changes})
    return current
