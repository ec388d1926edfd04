"""Counting long lists without reading them all.

An exact COUNT over a million rows reads every one of them on each page
view. `capped_count` counts at most `cap` + 1 rows (settings.VIGIL_LIST_COUNT_CAP,
10,000 by default): exact up to the cap, "more than the cap" beyond it, and
the page says "10.000+". The count is taken on the filtered rows without the
page's annotations and joins, so it never disagrees with the list it labels.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


def capped_count(queryset, cap=None):
    """(n, capped): how many rows `queryset` has, at most `cap`, and whether
    there are more."""
    cap = cap or settings.VIGIL_LIST_COUNT_CAP
    n = queryset.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


class CappedPaginator(Paginator):
    """A Paginator whose count is `capped_count(count_qs)`: pages beyond the
    cap are not offered (the user narrows the filters instead)."""

    def __init__(self, object_list, per_page, *, count_qs=None, cap=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_qs = object_list if count_qs is None else count_qs
        self.cap = cap
        self.capped = False

    @cached_property
    def count(self):
        n, self.capped = capped_count(self.count_qs, self.cap)
        return n


def load_page(page, fetch):
    """Turn a page of ids into the rows `fetch(ids)` returns, in the page's
    order.

    The page is chosen on the bare filtered table (ids in order, LIMIT), and
    only its rows are then joined and annotated: asked in one query,
    PostgreSQL misjudged how many rows a commune holds and joined and
    annotated all 7,000 of them before keeping 50 (90 ms instead of 10)."""
    ids = list(page.object_list)
    rows = {row.pk: row for row in fetch(ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
