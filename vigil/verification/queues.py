"""The verification work queues (R-V1, R-V3), named once for the pages, the
API, the exports and the menu counts."""

import functools
import operator

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, ExpressionWrapper
from django.utils.translation import gettext_lazy

from vigil.core.paging import CappedPaginator
from vigil.core.permissions import VERIFY, may
from vigil.core.tasks import Task
from vigil.declarations.models import VERIFICATION_QUEUES, RegistrationKind

# key: (title, condition on the scoped declarations, url name). The conditions
# are Declaration.objects.verification_queue(key)'s, named once in the model.
_TITLES = {
    "pending": (gettext_lazy("Verify arrivals in the locality"), "verification:queue"),
    "students": (gettext_lazy("Verify students returning to study"), "verification:students"),
    "medical": (gettext_lazy("Verify medical visits"), "verification:medical"),
    "failed": (gettext_lazy("Failed verifications"), "verification:failed"),
    "amended": (gettext_lazy("Amended after verification"), "verification:amended"),
}
QUEUES = {key: (title, VERIFICATION_QUEUES[key], url) for key, (title, url) in _TITLES.items()}


def students_only(user):
    """True for a school account: it verifies its own students only."""
    return not may(user, VERIFY) and user.has_task(Task.SCHOOL)


def for_user(queryset, user):
    """Narrow a declaration queryset for a school account: only the students
    who declared that school (the account's work unit), within its
    jurisdiction. Every other verifying account keeps its whole scope."""
    if not students_only(user):
        return queryset
    return queryset.filter(
        registration_kind=RegistrationKind.STUDENT, school__iexact=user.unit_name.strip() or "-"
    )


# The tab counts ------------------------------------------------------------------


def tab_counts(form, filtered):
    """{queue key: (n, capped)}: how many declarations each tab's list holds
    (`filtered[key]`: the queue with the page's filters, what the tab opens),
    exact up to settings.VIGIL_LIST_COUNT_CAP and `capped` ("10.000+") beyond.

    Not from the tally, though "pending" and "failed" are columns of it: a
    province's tally is hundreds of thousands of rows to sum (about 100 ms at
    a million declarations, growing with them), while a capped count reads at
    most cap + 1 entries of the queue's partial index (a few ms at any size).
    The five counts are one statement (`capped_counts`). A keyword that
    matched more people than the search reads marks every count as capped
    (the lists are then partial too)."""
    truncated = getattr(form, "keyword_truncated", False)
    counts = capped_counts(filtered)
    return {key: (n, capped or truncated) for key, (n, capped) in counts.items()}


def capped_counts(querysets, cap=None):
    """{key: (n, capped)}: `capped_count` of each queryset of `querysets` (a
    dict), in one statement of one scalar subquery each: one round trip and
    one plan instead of five, each subquery still reading at most cap + 1
    index entries."""
    cap = cap or settings.VIGIL_LIST_COUNT_CAP
    parts, params, keys, counts = [], [], [], {}
    using = None
    for key, qs in querysets.items():
        using = qs.db
        inner = qs.order_by().values("pk")[: cap + 1]
        try:
            sql, inner_params = inner.query.get_compiler(using=qs.db).as_sql()
        except EmptyResultSet:  # .none(): an invalid filter shows nothing
            counts[key] = (0, False)
            continue
        # Django compiled `sql`; every value is in `inner_params`.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS c{len(parts)})")  # noqa: S608
        params.extend(inner_params)
        keys.append(key)
    if parts:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            row = cursor.fetchone()
        for key, n in zip(keys, row, strict=True):
            counts[key] = (min(n, cap), n > cap)
    return {key: counts[key] for key in querysets}


# A keyword narrows the queues to the declarations of at most
# vigil.declarations.filters.KEYWORD_PEOPLE people: a few thousand rows at
# most, read once for all the tabs. Beyond this many, the queues are counted
# and paged in SQL as without a keyword.
KEYWORD_ROWS = 20_000


def keyword_rows(scoped, form):
    """[(pk, created_at, in queue 1, in queue 2...)]: the declarations of every
    queue (in QUEUES' order) that the page's filters, keyword included,
    select, with the queues each lies in: one query where the tabs and the
    page were six, each repeating the keyword's list of people; None when
    more than KEYWORD_ROWS."""
    any_queue = functools.reduce(operator.or_, (condition for _t, condition, _u in QUEUES.values()))
    flags = {
        f"in_{key}": ExpressionWrapper(condition, output_field=BooleanField())
        for key, (_t, condition, _u) in QUEUES.items()
    }
    qs = form.filter_qs(scoped.filter(any_queue)).order_by().annotate(**flags)
    rows = list(qs.values_list("pk", "created_at", *flags)[: KEYWORD_ROWS + 1])
    return rows if len(rows) <= KEYWORD_ROWS else None


def keyword_counts(form, rows, cap=None):
    """`tab_counts` from `keyword_rows`: exact, as SQL would count them."""
    cap = cap or settings.VIGIL_LIST_COUNT_CAP
    truncated = getattr(form, "keyword_truncated", False)
    counts = {}
    for i, key in enumerate(QUEUES, start=2):
        n = sum(1 for row in rows if row[i])
        counts[key] = (min(n, cap), n > cap or truncated)
    return counts


def keyword_ids(rows, queue, order):
    """The ids of `queue`'s rows in `order` (("created_at", "id") or both
    descending), as the page's ORDER BY would give them."""
    i = 2 + list(QUEUES).index(queue)
    chosen = [row for row in rows if row[i]]
    position = {"id": 0, "pk": 0, "created_at": 1}
    for name in reversed(order):  # stable sorts, the last key first
        chosen.sort(key=operator.itemgetter(position[name.lstrip("-")]), reverse=name[0] == "-")
    return [row[0] for row in chosen]


class QueuePaginator(CappedPaginator):
    """A queue's pages, counted as its tab is (`counted` = (n, capped) from
    `tab_counts`: the count is not taken twice)."""

    def __init__(self, object_list, per_page, *, counted, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"], self.capped = counted
