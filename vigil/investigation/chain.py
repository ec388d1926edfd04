"""The transmission chain: levels derived from the source links, cascades,
cycles and the chain checks.

The chain is the `CaseLink` rows, nothing else. A record's level is the
shortest number of links from it up to a confirmed case (F0 = 0, a contact of
an F0 = 1, ...; not capped), or None when no confirmed case is above it. The
stored `Case.level` is only a copy for lists; `recompute` is the one writer
and runs in the transaction of the change that moved the chain, under the
chain lock (`lock`), so that two edits never close a cycle together or
cascade over each other.

Everything here works by generations with set-based queries (one query per
generation, not one per record): an F1 with 2,000 people below it moves
them all in a handful of statements (bench/investigation.py).
"""

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import DateField, ExpressionWrapper, F, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ids import id_in
from .models import Case, CaseEvent, CaseKind, CaseLink, ChainLock

# The longest gap between a source's onset (or positive sample) and a contact
# that the chain checks accept.
MAX_GAP_DAYS = 14


def lock():
    """Take the chain lock until the transaction ends (call inside one). The
    row comes with the migration; a database emptied since (the tests'
    flushes) gets it back, and two callers racing to put it back both end
    up locking the same row."""
    if ChainLock.objects.select_for_update().filter(pk=1).first() is None:
        ChainLock.objects.bulk_create([ChainLock(pk=1)], ignore_conflicts=True)
        ChainLock.objects.select_for_update().get(pk=1)


def descendants(case_ids):
    """Ids of every record below `case_ids` (their contacts, their contacts'
    contacts...), not including `case_ids` themselves unless in a cycle."""
    seen = set()
    frontier = set(case_ids)
    while frontier:
        below = set(
            CaseLink.objects.filter(source_id__in=id_in(frontier)).values_list(
                "contact_id", flat=True
            )
        )
        frontier = below - seen
        seen |= frontier
    return seen


def would_cycle(contact_id, source_ids):
    """True when linking `contact_id` to any of `source_ids` closes a cycle:
    a source is the contact itself or already below it."""
    sources = set(source_ids)
    if contact_id in sources:
        return True
    return bool(sources & descendants({contact_id}))


def derive_levels(kinds, links, fixed):
    """Levels of the records in `kinds` ({id: kind}) from `links` ((contact,
    source) pairs whose contact is in `kinds`) and the `fixed` levels of
    sources outside it ({id: level or None}): the shortest distance to a
    confirmed case. Pure, so that it is tested on random chains."""
    down = defaultdict(list)
    best = {}
    for cid, kind in kinds.items():
        if kind == CaseKind.CONFIRMED:
            best[cid] = 0
    for contact, source in links:
        if source in kinds:
            down[source].append(contact)
        elif fixed.get(source) is not None and kinds.get(contact) != CaseKind.CONFIRMED:
            level = fixed[source] + 1
            if level < best.get(contact, level + 1):
                best[contact] = level
    queue = [(level, cid) for cid, level in best.items()]
    heapq.heapify(queue)
    while queue:
        level, cid = heapq.heappop(queue)
        if level > best.get(cid, level):
            continue
        for contact in down[cid]:
            if kinds[contact] == CaseKind.CONFIRMED:
                continue
            if level + 1 < best.get(contact, level + 2):
                best[contact] = level + 1
                heapq.heappush(queue, (level + 1, contact))
    return {cid: best.get(cid) for cid in kinds}


def recompute(case_ids, *, actor, note=""):
    """Derive again the levels of `case_ids` and everything below them, and
    store the ones that moved: each moved record gets its version bumped, a
    "level" event (from, to) and `reclassified_at`, so that the communes
    concerned find it on their "reclassified" worklist. Call under `lock()`.
    Returns [(case id, old level, new level)]."""
    scope = set(case_ids) | descendants(case_ids)
    rows = {
        c.pk: c
        for c in Case.objects.filter(pk__in=id_in(scope))
        .select_for_update()
        .only("id", "kind", "level", "version", "reclassified_at")
    }
    links = list(
        CaseLink.objects.filter(contact_id__in=id_in(scope)).values_list("contact_id", "source_id")
    )
    outside = {s for _c, s in links if s not in rows}
    fixed = dict(Case.objects.filter(pk__in=id_in(outside)).values_list("id", "level"))
    levels = derive_levels({pk: c.kind for pk, c in rows.items()}, links, fixed)
    now = timezone.now()
    moved, events = [], []
    by_level = defaultdict(list)
    for pk, case in rows.items():
        new = levels[pk]
        if new == case.level:
            continue
        moved.append((pk, case.level, new))
        by_level[new].append(pk)
        events.append(
            CaseEvent(
                case_id=pk,
                at=now,
                actor=actor,
                action="level",
                from_data={"level": case.level},
                to_data={"level": new},
                note=note,
            )
        )
    # One UPDATE per new level (a handful: one per generation), not one per row.
    for level, pks in by_level.items():
        Case.objects.filter(pk__in=id_in(pks)).update(
            level=level, version=F("version") + 1, reclassified_at=now
        )
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    return moved


# Chain checks ------------------------------------------------------------


@dataclass(frozen=True)
class ChainIssue:
    case: Case
    code: str
    message: str


CHECKS = {
    "no_source": _("A contact linked to no confirmed case"),
    "no_contact_date": _("A contact with no contact date"),
    "before_source": _("Contact date before the source's onset or positive sample"),
    "long_gap": _("More than 14 days between the source and the contact"),
    "no_positive_test": _("A confirmed case (F0) with no positive test"),
}


def _first_positive(person_ref):
    from vigil.testing.models import TestOutcome, TestResult

    return Subquery(
        TestResult.objects.filter(person=person_ref, result=TestOutcome.POSITIVE)
        .order_by()
        .values("person")
        .annotate(first=Min("sample_date"))
        .values("first")[:1]
    )


def issues(queryset, limit=500):
    """What the chain checks flag among the case records of `queryset` (a
    scoped queryset), at most `limit` of each kind, as ChainIssue rows."""
    found = []
    base = queryset.select_related("person").order_by("-created_at", "-id")
    for case in base.filter(kind=CaseKind.CONTACT, level__isnull=True)[:limit]:
        found.append(ChainIssue(case, "no_source", CHECKS["no_source"]))
    f0s = base.filter(kind=CaseKind.CONFIRMED).annotate(
        first_positive=_first_positive(OuterRef("person_id"))
    )
    for case in f0s.filter(first_positive__isnull=True)[:limit]:
        found.append(ChainIssue(case, "no_positive_test", CHECKS["no_positive_test"]))
    links = (
        CaseLink.objects.filter(contact__in=queryset.values("pk"))
        .select_related("contact__person", "source")
        .annotate(source_positive=_first_positive(OuterRef("source__person_id")))
        .order_by("-id")
    )
    for link in links.filter(contact_date__isnull=True)[:limit]:
        found.append(ChainIssue(link.contact, "no_contact_date", CHECKS["no_contact_date"]))
    dated = links.filter(contact_date__isnull=False).annotate(
        reference=Coalesce(F("source__onset_date"), F("source_positive"))
    )
    for link in dated.filter(contact_date__lt=F("reference"))[:limit]:
        found.append(ChainIssue(link.contact, "before_source", CHECKS["before_source"]))
    latest = ExpressionWrapper(F("reference") + timedelta(days=MAX_GAP_DAYS), DateField())
    for link in dated.filter(contact_date__gt=latest)[:limit]:
        found.append(ChainIssue(link.contact, "long_gap", CHECKS["long_gap"]))
    return found
