"""Named queries of test results, shared by the pages, the API and the exports.

- the people of the "Kết quả xét nghiệm" tabs (not yet tested / tested), their
  filters and the columns the list shows;
- batch entry's look-up of typed lines (ID number, phone or declaration code).

Everything is read through `visible_to`: a person or result outside the
user's jurisdiction is never found.
"""

import re

from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy

from vigil.core.phones import normalize_phone
from vigil.declarations import questions
from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.people.validators import normalize_id_number

from .forms import MAX_BATCH, keyword_q
from .models import TestResult
from .summary import TestSummary, annotate_tests, scoped_results

UNTESTED, TESTED = "untested", "tested"
TABS = (
    (UNTESTED, gettext_lazy("Not tested")),
    (TESTED, gettext_lazy("Tested")),
)
# Declaration fields shown in the list's columns.
DECLARATION_COLUMNS = ("pk", "student_code", "surveillance", "arrival_date",
                       *questions.KEYS)  # fmt: skip


# The people in scope ------------------------------------------------------------


def _declarations(user):
    return Declaration.objects.visible_to(user).filter(person=OuterRef("pk"))


def _stays():
    """The person, when they have a quarantine stay: through the reverse
    relation, because the quarantine app builds on this one, not the reverse."""
    return Person.objects.filter(pk=OuterRef("pk"), stays__isnull=False)


def _results(user):
    return TestResult.objects.visible_to(user).filter(person=OuterRef("pk"))


def people_of_tab(user, tab):
    """The people in scope who arrived (a declaration), were quarantined (a
    stay) or were tested, split into "not tested" and "tested" (at least one
    result): "Tổng đối tượng" of each tab.

    The person is in scope already; a stay counts wherever its facility is,
    because the facility of a quarantined resident often lies in another
    district, and only the fact of the stay is used, never its details.
    """
    people = Person.objects.visible_to(user)
    results = Exists(_results(user))
    if tab == TESTED:
        return people.filter(results)
    return people.filter(Exists(_declarations(user)) | Exists(_stays())).filter(~results)


def filter_people(user, form, tab):
    """The people of `tab`, narrowed by `form` (an invalid form: nobody)."""
    people = people_of_tab(user, tab)
    if not form.is_valid():
        return people.none()
    data = form.cleaned_data
    people = people.filter(form.area_q())
    start, end = data.get("date_from"), data.get("date_to")
    if start or end:
        people = people.filter(_in_period(user, tab, start, end))
    latest = _declarations(user).order_by("-created_at", "-id")
    if data.get("contact"):
        people = people.alias(latest_contact=Subquery(latest.values(data["contact"])[:1]))
        people = people.filter(latest_contact=True)
    if data.get("surveillance"):
        people = people.alias(latest_surveillance=Subquery(latest.values("surveillance")[:1]))
        people = people.filter(latest_surveillance=data["surveillance"])
    if data.get("q"):
        people = people.filter(keyword_q(data["q"]))
    return people


def _in_period(user, tab, start, end):
    """Tested: a sample taken in the period. Not tested: arrived in it (a
    declaration's arrival date, or the start of a quarantine stay)."""

    def between(field):
        q = Q()
        if start:
            q &= Q(**{f"{field}__gte": start})
        if end:
            q &= Q(**{f"{field}__lte": end})
        return q

    if tab == TESTED:
        return Exists(_results(user).filter(between("sample_date")))
    stays = _stays().filter(between("stays__start_date"))
    return Exists(_declarations(user).filter(between("arrival_date"))) | Exists(stays)


def with_columns(user, people, tab):
    """`people` with what the list shows, in one query for the page (plus one
    for the latest declarations of its rows)."""
    latest = _declarations(user).order_by("-created_at", "-id")
    people = annotate_tests(people, user).annotate(
        latest_declaration_id=Subquery(latest.values("pk")[:1])
    )
    people = people.select_related("area", "area__parent")
    if tab == TESTED:
        return people.order_by(F("latest_sample_date").desc(nulls_last=True), "search_key", "id")
    return people.order_by("search_key", "id")


def ordered_ids(user, people, tab):
    """The ids of `people` in the list's order, without the columns: the page
    is chosen on these, then only its rows get the columns
    (vigil.core.paging.load_page). "Not tested": by name. "Tested": latest
    sample first (`LatestTestedOrder`)."""
    if tab == TESTED:
        return LatestTestedOrder(user, people)
    return people.order_by("search_key", "id").values_list("pk", flat=True)


class LatestTestedOrder:
    """The ids of `people` (tested people, filtered) by their latest visible
    sample, newest first, as a sliceable sequence for the paginators.

    Sorting the people by a per-person "latest sample" subquery computes it
    for every tested person of the scope before the first page (6 s for a
    province at a million declarations). This walks the visible results
    newest first instead (index test_sample_scope), in chunks, keeping the
    first result of each person that `people` holds: reading a page reads
    about as many results as the rows before it, which the count cap bounds.
    Ties on a day go by the newest result."""

    # Results read at a time: twice the rows still wanted, within these bounds
    # (a first page reads about a hundred results, not thousands).
    CHUNK, MAX_CHUNK = 100, 5000

    def __init__(self, user, people):
        self.results = scoped_results(user).order_by("-sample_date", "-id")
        self.people = people.order_by()

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step is not None:
            raise TypeError("LatestTestedOrder takes slices only")
        start, stop = window.start or 0, window.stop
        return self._walk(stop)[start:stop]

    def _walk(self, wanted):
        seen, out, after = set(), [], None
        while wanted is None or len(out) < wanted:
            results = self.results
            if after is not None:
                day, pk = after
                results = results.filter(Q(sample_date__lt=day) | Q(sample_date=day, id__lt=pk))
            size = self.MAX_CHUNK if wanted is None else 2 * (wanted - len(out))
            size = min(max(size, self.CHUNK), self.MAX_CHUNK)
            chunk = list(results.values_list("sample_date", "id", "person_id")[:size])
            if not chunk:
                break
            after = chunk[-1][:2]
            fresh = []
            for _day, _pk, person in chunk:
                if person not in seen:
                    seen.add(person)
                    fresh.append(person)
            kept = set(self.people.filter(pk__in=fresh).values_list("pk", flat=True))
            out.extend(pk for pk in fresh if pk in kept)
        return out

    def count(self):
        return self.people.count()


def attach_declarations(page):
    ids = [p.latest_declaration_id for p in page if p.latest_declaration_id]
    found = Declaration.objects.filter(pk__in=ids).only(*DECLARATION_COLUMNS).in_bulk()
    for person in page:
        person.test_summary = TestSummary.of(person)
        declaration = found.get(person.latest_declaration_id)
        person.declaration = declaration
        person.exposures, person.symptoms, person.conditions = [
            [label for key, label in group if declaration and getattr(declaration, key)]
            for group in (questions.EXPOSURES, questions.SYMPTOMS, questions.CONDITIONS)
        ]


_COMPACT = re.compile(r"[\s.\-()]")


def resolve_lines(user, text):
    """(people, lines that match nobody, lines that match several people).

    Each line is an ID number, a phone or a declaration code, looked up only
    among what `user` may see: a line naming someone outside the jurisdiction
    matches nobody, as if they did not exist.
    """
    lines = []
    for raw in (text or "").splitlines():
        line = " ".join(raw.split())
        if line and line not in lines:
            lines.append(line)
    # More lines than a batch may hold are refused by the caller anyway.
    lines = lines[: MAX_BATCH + 1]
    if not lines:
        return [], [], []
    people = Person.objects.visible_to(user)
    keys = {line: normalize_id_number(_COMPACT.sub("", line)).lstrip("+") for line in lines}
    phones = {line: normalize_phone(line) for line in lines}
    by_id, by_phone, by_code = {}, {}, {}
    for pk, number in people.filter(id_number__in=set(keys.values())).values_list(
        "pk", "id_number"
    ):
        by_id.setdefault(number, set()).add(pk)
    wanted_phones = {p for p in phones.values() if p}
    if wanted_phones:
        for pk, phone in people.filter(phone__in=wanted_phones).values_list("pk", "phone"):
            by_phone.setdefault(phone, set()).add(pk)
    coded = Declaration.objects.visible_to(user).filter(
        code__in=set(keys.values()), person__in=people
    )
    for code, person_id in coded.values_list("code", "person_id"):
        by_code.setdefault(code, set()).add(person_id)
    chosen, unmatched, ambiguous = [], [], []
    for line in lines:
        key = keys[line]
        matches = by_id.get(key) or by_code.get(key) or by_phone.get(phones[line]) or set()
        if not matches:
            unmatched.append(line)
        elif len(matches) > 1:
            ambiguous.append(line)
        else:
            chosen.extend(matches)
    found = people.filter(pk__in=chosen).select_related("area")
    return list(found), unmatched, ambiguous
