"""Counting long lists without reading them all.

An exact COUNT over a million rows reads every one of them on each page
view. `capped_count` counts at most `cap` + 1 rows (settings.VIGIL_LIST_COUNT_CAP,
10,000 by default): exact up to the cap, "more than the cap" beyond it, and
the page says "10.000+". The count is taken on the filtered rows without the
page's annotations and joins, so it never disagrees with the list it labels.
"""

import base64
import datetime
import functools
import json
import operator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
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

    def capped_now(self):
        """Whether the rows are more than the cap (counting them if not yet)."""
        return self.count is not None and self.capped


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


# Keyset pages ------------------------------------------------------------------
#
# OFFSET reads past every row before the page: page 500 of a commune read past
# half a million rows of other communes. A keyset page starts after (or before)
# the last row the user saw instead, with that row's sort values in the URL
# (`after=` / `before=`): an index in the list's order seeks there and reads 51
# entries, whatever the depth. Pages are then "first", "previous", "next" and,
# for an order by date, a jump to a day (`KeysetPaginator.page(start=...)`).


@dataclass(frozen=True)
class SortChoice:
    """One order a list offers (`?sort=<key>`): field names or annotations,
    "-" for descending, ending with the id so that every row has one place.

    `bounded`: no index serves this order inside a jurisdiction, so the
    database sorts every filtered row; it is offered only while the filtered
    rows are within the count cap (at most VIGIL_LIST_COUNT_CAP rows sorted).
    """

    key: str
    label: str
    order: tuple
    bounded: bool = False

    @property
    def fields(self):
        return tuple(name.lstrip("-") for name in self.order)

    @staticmethod
    def pick(choices, value):
        """The choice named `value`, or the first (the list's default)."""
        return next((choice for choice in choices if choice.key == value), choices[0])


def encode_cursor(values):
    """A row's sort values as a short URL-safe text."""
    plain = []
    for value in values:
        if isinstance(value, datetime.datetime):
            plain.append({"t": value.isoformat()})
        elif isinstance(value, datetime.date):
            plain.append({"d": value.isoformat()})
        else:
            plain.append(value)
    raw = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text, length):
    """The values `encode_cursor` wrote, or None for anything else (a tampered
    cursor moves only within the user's own rows: the scope is a filter)."""
    if not text:
        return None
    try:
        plain = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(plain, list) or len(plain) != length:
            return None
        values = []
        for value in plain:
            if isinstance(value, dict) and "t" in value:
                value = datetime.datetime.fromisoformat(value["t"])
            elif isinstance(value, dict) and "d" in value:
                value = datetime.date.fromisoformat(value["d"])
            elif not isinstance(value, (int, str)) or isinstance(value, bool):
                return None
            values.append(value)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    return values


def beyond(order, values, forward=True):
    """Rows after (`forward`) or before the row whose sort values are `values`.

    When every field goes the same way, a row comparison: (a, b, id) < (x,
    y, z) for descending fields, which PostgreSQL reads as one index range
    starting at the row (the OR below seeks only to a = x, then filters the
    rows of equal a before it: a whole day of test results for a date).
    Otherwise (a, b, id) after (x, y, z) is a < x OR (a = x AND b < y) OR (a
    = x AND b = y AND id < z) for descending fields; the leading a <= x is
    implied but spelled out, so that the index scan starts at x instead of
    filtering from the first row."""
    directions = {name.startswith("-") for name in order}
    if len(directions) == 1:
        fields = [F(name.lstrip("-")) for name in order]
        lookup = TupleLessThan if directions.pop() == forward else TupleGreaterThan
        return Q(lookup(Tuple(*fields), tuple(values)))
    equal, parts = {}, []
    for name, value in zip(order, values, strict=True):
        field, descending = name.lstrip("-"), name.startswith("-")
        op = "lt" if descending == forward else "gt"
        parts.append(Q(**equal, **{f"{field}__{op}": value}))
        equal[field] = value
    first, descending = order[0].lstrip("-"), order[0].startswith("-")
    bound = Q(**{f"{first}__{'lte' if descending == forward else 'gte'}": values[0]})
    return bound & functools.reduce(operator.or_, parts)


def _compare(order, a, b):
    """-1, 0 or 1: row `a` before, with or after row `b` in `order`."""
    for name, x, y in zip(order, a, b, strict=False):
        if x != y:
            before = x < y if not name.startswith("-") else x > y
            return -1 if before else 1
    return 0


def reverse_order(order):
    return tuple(name[1:] if name.startswith("-") else f"-{name}" for name in order)


class KeysetPage:
    """One page of a `KeysetPaginator`: its rows' ids (`load_page` turns them
    into rows) and the cursors of the pages around it."""

    def __init__(self, rows, *, has_next, has_previous):
        self.keys = [row[:-1] for row in rows]
        self.object_list = [row[-1] for row in rows]
        self._values = rows
        self.has_next_page = has_next
        self.has_previous_page = has_previous
        # Set by `KeysetPaginator.locate`.
        self.start = self.end = self.total = self.skipped = None
        self.capped = False

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __getitem__(self, index):
        return self.object_list[index]

    def has_next(self):
        return self.has_next_page

    def has_previous(self):
        return self.has_previous_page

    def has_other_pages(self):
        return self.has_next_page or self.has_previous_page

    @property
    def next_cursor(self):
        return encode_cursor(self._values[-1][:-1]) if self.has_next_page and self._values else ""

    @property
    def previous_cursor(self):
        if not (self.has_previous_page and self._values):
            return ""
        return encode_cursor(self._values[0][:-1])


class KeysetPaginator:
    """Pages of `queryset` in `order` (a SortChoice's), `per_page` ids each.

    Only the order's values and the id are read for the page (the bare
    filtered table, as `load_page` wants); the last field of `order` must be
    the primary key. `key`: the column whose values the page holds (the
    person of a list of people walked through their latest result)."""

    def __init__(self, queryset, order, per_page, *, materialize=False, key="pk"):
        self.queryset = queryset
        self.materialize = materialize
        self.order = tuple(order)
        self.per_page = per_page
        self.fields = [name.lstrip("-") for name in self.order]
        # The cursor holds the order's values, the id among them, and the
        # page's last value list repeats the id for `object_list`.
        self.columns = [*self.fields, key]

    def _rows(self, qs, order):
        if self.materialize:
            # A set known to be small (the declarations of the people a keyword
            # found): read whole, without ORDER BY and LIMIT, then sorted here.
            # Asked for its first rows in the index's order, PostgreSQL walked
            # the index of dates and filtered, 45,000 rows at 2M for 50.
            rows = list(qs.order_by().values_list(*self.columns))
            rows.sort(key=functools.cmp_to_key(functools.partial(_compare, order)))
            return rows[: self.per_page + 1]
        return list(qs.order_by(*order).values_list(*self.columns)[: self.per_page + 1])

    def page(self, after=None, before=None, start=None):
        """The page after the cursor `after`, before the cursor `before`, or
        the first page from `start` (a Q positioning it: a jump), else the
        first page. Malformed cursors give the first page, and so do cursors
        of another order (a stale link: a text where a date was)."""
        try:
            return self._page(
                decode_cursor(after, len(self.order)),
                decode_cursor(before, len(self.order)),
                start,
            )
        except (ValidationError, ValueError, TypeError):
            return self._page(None, None, start)

    def locate(self, page, total, capped, cap=None):
        """Where `page` lies in the list: sets `page.start` (1-based, or None
        when more than `cap` rows come before it) and `page.end`, and
        `page.total` / `page.capped` for the pager's "51–100 of 1.234".

        The rows before the page are counted as the total is, at most `cap`
        + 1 of them (an index range before the page's first row): the first
        page costs nothing, any other at most what the total cost."""
        page.total, page.capped = total, capped
        page.start = page.end = None
        page.skipped = min(cap or settings.VIGIL_LIST_COUNT_CAP, total)
        if not page.keys:
            return page
        before = 0
        if page.has_previous():
            before, over = self._count_before(page.keys[0], cap)
            if over:
                return page
        page.start, page.end = before + 1, before + len(page.keys)
        return page

    def _count_before(self, key, cap):
        """(n, over): the rows before the row whose sort values are `key`,
        at most `cap` (see capped_count)."""
        return capped_count(self.queryset.filter(beyond(self.order, key, forward=False)), cap)

    def _page(self, after, before, start):
        if before is not None:
            rows = self._rows(
                self.queryset.filter(beyond(self.order, before, forward=False)),
                reverse_order(self.order),
            )
            if rows:
                more = len(rows) > self.per_page
                return KeysetPage(rows[: self.per_page][::-1], has_next=True, has_previous=more)
            after = start = None  # nothing before it any more: the first page
        qs = self.queryset
        if after is not None:
            qs = qs.filter(beyond(self.order, after))
        elif start is not None:
            qs = qs.filter(start)
        rows = self._rows(qs, self.order)
        if not rows and (after is not None or start is not None):
            return self._last_page(after, start)
        return KeysetPage(
            rows[: self.per_page],
            has_next=len(rows) > self.per_page,
            has_previous=after is not None or start is not None,
        )

    def _last_page(self, after, start):
        """Nothing at or beyond the position (a day older than every row, a
        cursor whose rows are gone): the last rows before it, as a last page,
        rather than an empty page whose "previous" has no row to start from."""
        if after is not None:
            back = self.queryset.filter(beyond(self.order, after, forward=False))
        else:
            back = self.queryset.exclude(start)
        rows = self._rows(back, reverse_order(self.order))
        more = len(rows) > self.per_page
        return KeysetPage(rows[: self.per_page][::-1], has_next=False, has_previous=more)


POSITION_PARAMS = ("page", "after", "before", "jump")


def list_url(params, **changes):
    """A list's query string with `changes` (None drops a parameter), at its
    first page: a new filter or order starts from the top."""
    params = params.copy()
    for name in POSITION_PARAMS:
        params.pop(name, None)
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode()


def pager_links(params, page):
    """{"first", "previous", "next"}: the URLs of the pages around a
    KeysetPage ("" where there is none), keeping the filters and the order;
    "carry": the (name, value) pairs a "go to date" form repeats."""
    carry = [
        (name, value)
        for name, values in params.lists()
        if name not in POSITION_PARAMS
        for value in values
    ]
    return {
        "carry": carry,
        "first": list_url(params) if page.has_previous() else "",
        "previous": list_url(params, before=page.previous_cursor) if page.has_previous() else "",
        "next": list_url(params, after=page.next_cursor) if page.has_next() else "",
    }
