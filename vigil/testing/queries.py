"""Named queries of test results, shared by the pages, the API and the exports.

- the people of the "Kết quả xét nghiệm" tabs (not yet tested / tested), their
  filters and the columns the list shows;
- batch entry's look-up of typed lines (ID number, phone or declaration code).

Everything is read through `visible_to`: a person or result outside the
user's jurisdiction is never found.
"""

import re
from types import SimpleNamespace

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy

from vigil.areas.refdata import has_units_below
from vigil.areas.templatetags.places import place_names
from vigil.core.db_router import merge_joins
from vigil.core.expressions import Among
from vigil.core.levels import Level
from vigil.core.paging import KeysetPaginator, beyond, capped_count, reverse_order
from vigil.core.phones import normalize_phone
from vigil.core.scope import scope_path
from vigil.declarations import questions
from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.people.services import by_name_key
from vigil.people.validators import normalize_id_number

from .forms import MAX_BATCH, keyword_q
from .models import TestResult
from .summary import NO_TESTS, annotate_tests, scoped_results, tests_summary

UNTESTED, TESTED = "untested", "tested"
DECLARED, STAYED_ONLY = "declared", "stayed_only"
TABS = (
    (UNTESTED, gettext_lazy("Not tested")),
    (TESTED, gettext_lazy("Tested")),
)
# Declaration fields shown in the list's columns.
DECLARATION_COLUMNS = ("pk", "student_code", "surveillance", "arrival_date",
                       *questions.KEYS)  # fmt: skip


# The people in scope ------------------------------------------------------------


# "Per row": the page's ids walk the people by name and stop after 50, so its
# EXISTS(...) OR EXISTS(...) must be probes of each person walked. PostgreSQL
# may instead run such a subquery once, hashed over the whole scope (every
# declaration of a commune: 27,000 buffers at 10M for a page of 50), and it
# picks that from the scope's size whatever the LIMIT. A correlation that is
# not a plain equality (`person_id >= the person`, true with the `=` beside
# it) cannot be hashed: the subquery is then only probed, by the index on
# (person, area_path). The counts keep the hashable form (they read the
# whole scope anyway, up to the cap).


def _declarations(user, per_row=False):
    declarations = Declaration.objects.visible_to(user).filter(person=OuterRef("pk"))
    if per_row:
        declarations = declarations.filter(person__gte=OuterRef("pk"))
    return declarations


def _stays(per_row=False):
    """The person, when they have a quarantine stay: through the reverse
    relation, because the quarantine app builds on this one, not the reverse."""
    stays = Person.objects.filter(pk=OuterRef("pk"), stays__isnull=False)
    if per_row:
        stays = stays.filter(pk__gte=OuterRef("pk"))
    return stays


def _results(user):
    return TestResult.objects.visible_to(user).filter(person=OuterRef("pk"))


def people_of_tab(user, tab, per_row=False, part=None):
    """The people in scope who arrived (a declaration), were quarantined (a
    stay) or were tested, split into "not tested" and "tested" (at least one
    result): "Tổng đối tượng" of each tab.

    The person is in scope already; a stay counts wherever its facility is,
    because the facility of a quarantined resident often lies in another
    district, and only the fact of the stay is used, never its details.

    `part` (not tested only): DECLARED, the people with a declaration, or
    STAYED_ONLY, those with a stay and no declaration; the two make the tab.
    """
    people = Person.objects.visible_to(user)
    results = Exists(_results(user))
    if tab == TESTED:
        return people.filter(results)
    declared, stayed = Exists(_declarations(user, per_row)), Exists(_stays(per_row))
    if part == DECLARED:
        return people.filter(declared).filter(~results)
    if part == STAYED_ONLY:
        return people.filter(stayed).filter(~declared).filter(~results)
    return people.filter(declared | stayed).filter(~results)


def filter_people(user, form, tab, *, population=True, per_row=False, part=None):
    """The people of `tab`, narrowed by `form` (an invalid form: nobody).

    `population=False`: the people in scope narrowed by `form` only, without
    the tab's own condition (for a walk that reads only people of the tab).
    `per_row`: written for a walk that stops early (see above).
    """
    scope = Person.objects.visible_to(user)
    people = people_of_tab(user, tab, per_row, part) if population else scope
    if not form.is_valid():
        return people.none()
    data = form.cleaned_data
    people = people.filter(form.area_q())
    start, end = data.get("date_from"), data.get("date_to")
    if start or end:
        people = people.filter(_in_period(user, tab, start, end, per_row))
    latest = _declarations(user).order_by("-created_at", "-id")
    if data.get("contact"):
        people = people.alias(latest_contact=Subquery(latest.values(data["contact"])[:1]))
        people = people.filter(latest_contact=True)
    if data.get("surveillance"):
        people = people.alias(latest_surveillance=Subquery(latest.values("surveillance")[:1]))
        people = people.filter(latest_surveillance=data["surveillance"])
    if data.get("q"):
        people = people.filter(_keyword(form))
    return people


def count_people(user, form, tab, people):
    """(n, capped): the size of the list, `people` (filter_people's), counted
    as vigil.core.paging.capped_count does: exact up to the cap.

    The list unfiltered, for an area with no unit below it (a commune
    without villages: `_one_path`), is counted on that one path
    (`_count_on_one_path`). "Not tested" for a province-wide jurisdiction is
    counted in two parts, the people with a declaration, then those with
    only a stay: each part is then a join PostgreSQL streams in person order
    (merge joins of the people, the results and the declarations by person,
    8,900 buffers for 10,001 people at 10M), where the one EXISTS(...) OR
    EXISTS(...) probes both tables for each person (56,500 buffers). A
    district's people, or a filtered list, are a small part of the table:
    one query on their index ranges suits them, as for every other tab."""
    if not form.is_valid():
        return capped_count(people)
    if _one_path(user) and not any(form.cleaned_data.values()):
        return _count_on_one_path(user, form, tab)
    if tab != UNTESTED or not _province_wide(user):
        return capped_count(people)
    declared, capped = capped_count(filter_people(user, form, tab, part=DECLARED))
    return (declared, True) if capped else _with_stayed_only(user, form, declared)


def _with_stayed_only(user, form, declared):
    """(n, capped) of "not tested": the `declared` people counted already
    (fewer than the cap), plus those with a stay and no declaration."""
    cap = settings.VIGIL_LIST_COUNT_CAP
    stayed = filter_people(user, form, UNTESTED, part=STAYED_ONLY).order_by().values("pk")
    total = declared + stayed[: cap - declared + 1].count()
    return min(total, cap), total > cap


def _one_path(user):
    """The user's area when no administrative unit lies below it, so that
    the people, declarations and results inside it all carry its very path
    (`visible_to(..., one_path=True)`); None otherwise, and for accounts of a
    facility or an establishment."""
    if getattr(user, "facility_id", None) or getattr(user, "establishment_id", None):
        return None
    path = scope_path(user)
    return path if path and not has_units_below(path) else None


def _count_on_one_path(user, form, tab):
    """(n, capped) of the unfiltered list of an area with one path: the
    people, their declarations and their results each read from an index
    range in person order and merged (`merge_joins`), up to the cap. At 10M
    declarations, a commune of 79,000 people: "not tested" 96-110 -> 18-21
    ms of SQL, "tested" 21-27 -> 10-11 ms; before, the commune's 93,000
    declarations and 37,000 results were each read whole into a hash for
    10,001 people."""
    people = Person.objects.visible_to(user, one_path=True)
    results = TestResult.objects.visible_to(user, one_path=True)
    if tab == TESTED:
        listed = people.filter(Exists(results.filter(person=OuterRef("pk"))))
    else:
        declarations = Declaration.objects.visible_to(user, one_path=True)
        declared = Exists(declarations.filter(person=OuterRef("pk")))
        # The tested people as a DISTINCT of their own (`Among`): read in
        # person order from test_scope_person, where the correlated NOT
        # EXISTS had PostgreSQL sort all of the commune's results.
        tested = results.order_by().values(v=F("person_id")).distinct()
        listed = people.filter(declared).filter(~Among("pk", tested))
    with merge_joins(listed.db):
        n, capped = capped_count(listed)
    if tab == TESTED or capped:
        return n, capped
    return _with_stayed_only(user, form, n)


def _province_wide(user):
    """A jurisdiction that is a whole province (its path has one level), for
    an account that reads by area (not a facility's or an establishment's)."""
    if getattr(user, "facility_id", None) or getattr(user, "establishment_id", None):
        return False
    path = scope_path(user)
    return bool(path) and path.count("/") == 1


def _keyword(form):
    """`keyword_q` of the form's text, once per form (it may read the name
    index to choose how to match, and the page filters twice: count, ids)."""
    if not hasattr(form, "_keyword_q"):
        form._keyword_q = keyword_q(form.cleaned_data["q"])
    return form._keyword_q


def _in_period(user, tab, start, end, per_row=False):
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
    stays = _stays(per_row).filter(between("stays__start_date"))
    declarations = _declarations(user, per_row).filter(between("arrival_date"))
    return Exists(declarations) | Exists(stays)


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


# The "tested" order: latest visible sample first, ties by the newest result.
TESTED_ORDER = ("-sample_date", "-id")


def _latest_conditions(user, people):
    """The conditions keeping, of the visible results, the latest one of each
    person of `people`: one row per tested person, so the "tested" list is
    these rows in TESTED_ORDER, its rows' persons (`person_id`).

    A result is kept when its person is one of `people` and no visible
    result of theirs is newer: two probes of indexes per result walked
    (the people's primary key, test_person_scope), none of which depends on
    the rows read before. A page can then start anywhere in the order (a
    keyset cursor, a day), instead of walking every result before it."""
    newer = (
        scoped_results(user)
        .filter(person=OuterRef("person_id"))
        .filter(
            Q(sample_date__gt=OuterRef("sample_date"))
            | Q(sample_date=OuterRef("sample_date"), id__gt=OuterRef("id"))
        )
    )
    listed = Exists(people.order_by().filter(pk=OuterRef("person_id")))
    return listed, ~Exists(newer)


class TestedPaginator(KeysetPaginator):
    """Keyset pages of the "tested" list: the results `_latest_conditions`
    keeps, in TESTED_ORDER, read as a walk over the visible results.

    Each step reads the next results of the scope in order (ids only: the
    index test_sample_scope walked, or a commune's range of test_scope_sample
    sorted, whichever the planner finds cheaper for that one table), then
    asks which of them are kept (two index probes per result read). Asked
    as one query, PostgreSQL misjudged how many results a commune's people
    hold and probed every one of them (37,000 at 10M) before sorting, for
    51 rows. Steps read twice as many results each time,
    so that a list whose people are few among the results (a keyword, a
    filter) still ends in a few steps; a keyword's own people are read
    whole instead (`materialize`)."""

    STEP, MAX_STEP = 100, 5000
    # Results walked for one page before the rest is asked in one statement:
    # few of them were listed (a narrow filter), so PostgreSQL had better
    # start from the filter's people.
    WALK_LIMIT = 20000

    def __init__(self, user, candidates, per_page, *, materialize=False):
        self.candidates = candidates.order_by()
        self.nobody = candidates.query.is_empty()  # an invalid filter
        self.conditions = _latest_conditions(user, candidates)
        self.kept = scoped_results(user).filter(*self.conditions)
        # A commune's results on its one path (`_one_path`): its range of
        # test_scope_sample is then in the walk's order, read from the row
        # a page starts at, where a LIKE range was read whole and sorted
        # (24,000 results at 10M for the 626 after a page).
        one_path = bool(_one_path(user))
        walked = (
            self.kept if materialize else TestResult.objects.visible_to(user, one_path=one_path)
        )
        super().__init__(walked, TESTED_ORDER, per_page, materialize=materialize, key="person_id")

    def _rows(self, qs, order):
        if self.materialize:
            return super()._rows(qs, order)
        return self._walk(qs, order, self.per_page + 1)

    def _count_before(self, key, cap):
        """The people listed before the row `key`: those of `candidates`
        with a visible result after it in the order (their latest one is
        then after it too), counted in one statement over the first results
        after it: their persons looked up among the candidates, one probe
        per person rather than three per result. Most people have one
        result, so the first window nearly always holds more than `cap`
        people; else it is widened until it does or holds every result, and
        past WALK_LIMIT results the kept ones are counted in one statement."""
        if self.materialize:
            return super()._count_before(key, cap)
        cap = cap or settings.VIGIL_LIST_COUNT_CAP
        after = self.queryset.filter(beyond(self.order, key, forward=False))
        after = after.order_by(*reverse_order(self.order))
        size = cap + 1 + cap // 4
        while size <= self.WALK_LIMIT:
            # From the window's results to their people, one probe each (the
            # correlation that is not a plain equality, as "per row" above):
            # joined the other way, PostgreSQL read every person of a commune
            # (79,000 at 10M) to hash them for 1,251 results.
            window = TestResult.objects.filter(pk__in=after.values("pk")[:size])
            listed = self.candidates.filter(pk=OuterRef("person_id"), pk__gte=OuterRef("person_id"))
            n = window.filter(Exists(listed)).values("person_id").distinct().count()
            if n > cap or not after[size - 1 : size].exists():
                return min(n, cap), n > cap
            size *= 2
        # Few of the results are listed (a narrow filter): the kept ones,
        # counted in one statement.
        return capped_count(after.filter(*self.conditions), cap)

    def ids(self):
        """The persons in the list's order, as a sequence taking slices
        (the API's pages: an offset reads the rows before it)."""

        def read(stop):
            return [row[-1] for row in self._walk(self.queryset, self.order, stop)]

        return _Sliced(read)

    def _walk(self, qs, order, wanted):
        """The first `wanted` rows of `qs` (visible results) in `order` that
        `self.kept` holds, as (sample_date, id, person_id)."""
        if self.nobody:
            return []
        out, position, read = [], qs, 0
        size = min(max(2 * wanted, self.STEP), self.MAX_STEP)
        while True:
            chunk = list(position.order_by(*order).values_list(*self.columns)[:size])
            if chunk:
                ids = [row[1] for row in chunk]
                kept = set(self.kept.filter(pk__in=ids).values_list("pk", flat=True))
                out.extend(row for row in chunk if row[1] in kept)
            read += len(chunk)
            if len(out) >= wanted or len(chunk) < size:
                return out[:wanted]
            position = qs.filter(beyond(order, chunk[-1][:2]))
            if read >= self.WALK_LIMIT:
                rest = position.filter(*self.conditions).order_by(*order)
                return out + list(rest.values_list(*self.columns)[: wanted - len(out)])
            size = min(size * 2, self.MAX_STEP)


class _Sliced:
    def __init__(self, read):
        self.read = read  # read(n): the first n items

    def __getitem__(self, window):
        if not isinstance(window, slice) or window.step is not None or window.stop is None:
            raise TypeError("slices with an end only")
        return self.read(window.stop)[window.start or 0 : window.stop]


def tested_candidates(user, people, form=None):
    """Whom a walked result's person must be: `people`, or with the list's
    `form`, the people in scope narrowed by its filters only (every person
    walked has a visible result already: "tested" need not be checked)."""
    if form is None:
        return people
    return filter_people(user, form, TESTED, population=False)


def ordered_ids(user, people, tab, form=None):
    """The ids of `people` in the list's order, without the columns (the API
    pages on these, then reads the columns of its rows only). "Not tested":
    by name. "Tested": latest sample first (`TestedPaginator`)."""
    if tab == TESTED:
        return TestedPaginator(user, tested_candidates(user, people, form), 0).ids()
    return by_name_key(untested_walk(user, people, form)).values_list("pk", flat=True)


def untested_walk(user, people, form=None):
    """`people` of the "not tested" tab as a walk by name stops early: by name
    in the index's collation (people_person_name_scope), the first page reads
    its 50 people plus the other places' ones it skips instead of sorting
    every untested person of the scope by name; with the list's `form`, each
    person walked is probed ("per row", above)."""
    if form is not None:
        return filter_people(user, form, UNTESTED, per_row=True)
    return people


def attach_declarations(user, page):
    """Set on each person of `page` (plain Person rows with their area) what
    its row shows: the test summary, the latest declaration's columns, the
    place and the link (the link's prefix is reversed once, not per row).

    Two plain queries for the page: the people's visible results
    (`tests_summary`) and their visible declarations, the latest kept here,
    instead of five correlated subqueries per row (`with_columns`, which the
    API and the export keep)."""
    ids = [person.pk for person in page]
    summaries = tests_summary(user, ids)
    # Plain values, not model instances: a declaration has seventy fields,
    # and building a deferred instance of each of the page's declarations
    # was a third of the page's Python.
    columns = (*DECLARATION_COLUMNS, "person_id")
    declarations = (
        Declaration.objects.visible_to(user)
        .filter(person_id__in=ids)
        .order_by("person_id", "-created_at", "-id")
        .values_list(*columns)
    )
    found = {}
    for values in declarations:
        if values[-1] not in found:
            found[values[-1]] = SimpleNamespace(**dict(zip(columns, values, strict=True)))
    prefix = reverse("testing:person", args=[0]).removesuffix("0/")
    start = page.start if hasattr(page, "start") else 1
    # Labels translated once for the page, not once per row.
    groups = [
        [(key, str(label)) for key, label in group]
        for group in (questions.EXPOSURES, questions.SYMPTOMS, questions.CONDITIONS)
    ]
    # "village, commune" for a village, else the commune alone.
    places = place_names({p.area_id for p in page}, named_with_parent=(Level.VILLAGE,))
    for number, person in enumerate(page, start or 0):
        person.test_summary = summaries.get(person.pk, NO_TESTS)
        declaration = found.get(person.pk)
        person.declaration = declaration
        person.exposures, person.symptoms, person.conditions = [
            [label for key, label in group if declaration and getattr(declaration, key)]
            for group in groups
        ]
        person.student_code = (declaration.student_code if declaration else "") or ""
        person.url = f"{prefix}{person.pk}/"
        # Unknown beyond the rows counted before the page (KeysetPaginator.locate).
        person.row_number = number if start else ""
        place = places.get(person.area_id, "")
        person.place = f"{person.address}, {place}" if person.address else place


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
