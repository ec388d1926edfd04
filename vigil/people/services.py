"""The people registry: finding a person before creating one (R-P2)."""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from vigil.core.phones import normalize_phone
from vigil.core.text import fold

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


# ID numbers (digits, passports: letters and digits) and phones, once spaces,
# dots, dashes and brackets are taken out; an optional leading + for phones.
_CODE_LIKE = re.compile(r"^\+?[0-9A-Za-z]*[0-9][0-9A-Za-z]*$")


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
        take(queryset.filter(search_key=key), "name")
        take(queryset.filter(search_key__startswith=key + " "), "name_prefix")
        words = key.split()
        # A single letter would match nearly everyone: not a useful search.
        if len(words) > 1 or len(words[0]) >= 2:
            qs = queryset
            for word in words:
                qs = qs.filter(search_key__contains=word)
            take(qs, "name_words")
    return found
