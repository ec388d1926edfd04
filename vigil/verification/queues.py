"""The verification work queues (R-V1, R-V3), named once for the pages, the
API, the exports and the menu counts."""

from django.utils.translation import gettext_lazy

from vigil.core.paging import CappedPaginator, capped_count
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
    A keyword that matched more people than the search reads marks every
    count as capped (the lists are then partial too)."""
    truncated = getattr(form, "keyword_truncated", False)
    counts = {}
    for key, qs in filtered.items():
        n, capped = capped_count(qs)
        counts[key] = (n, capped or truncated)
    return counts


class QueuePaginator(CappedPaginator):
    """A queue's pages, counted as its tab is (`counted` = (n, capped) from
    `tab_counts`: the count is not taken twice)."""

    def __init__(self, object_list, per_page, *, counted, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"], self.capped = counted
