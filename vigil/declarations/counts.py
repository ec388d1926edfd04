"""How many declarations the list holds, and how many each channel tab opens.

Two ways, chosen by the list's filters, never mixed within one number:

- A list narrowed by a channel or by arrival dates (the other filters being
  columns of the tally too: jurisdiction, district, commune) is counted exactly
  on the tally (`vigil.reports.tally`: one row per place, arrival day, channel,
  colour and state, kept by database triggers): counting it on the
  declarations would read every row of the scope to find a rare channel.
- Any other list (the whole jurisdiction, a district or commune, a keyword, a
  registration kind, dates of declaration) is counted on the declarations up
  to the cap (`capped_count`): exact below it, "10.000+" beyond. The scope and
  the dates of declaration are ranges of an index, so this reads at most the
  cap's index entries; the tally, summed over a whole province, reads far more
  rows (160 ms at 2M declarations, see bench/README.md).

A tab's number is counted as the list it opens counts its total, so the two
never disagree; when the list without a channel holds more than the cap, the
channel tabs show no number (one capped count per channel would read up to the
cap's rows each, away from any index: seconds at 2M).

The tally belongs to the reports app, which imports this one: it is looked
up by name (`apps.get_model`), not imported, to keep the apps acyclic.
"""

import collections

from django.apps import apps
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from vigil.core.paging import capped_count

# The filters of DeclarationFilterForm that are columns of the tally, and those
# of them that make the tally the cheaper count.
TALLY_FILTERS = frozenset(("date_on", "date_from", "date_to", "district", "commune", "channel"))
TALLY_NARROWING = frozenset(("date_from", "date_to", "channel"))


def tally_rows(user, form, skip=()):
    """The tally rows counting what `form.filter_qs(scoped, skip)` lists, or
    None when the tally should not count it: a filter is not a tally column,
    none narrows it the tally's way (TALLY_NARROWING), the form is invalid, or
    the account sees a facility's or an establishment's own people."""
    if getattr(user, "facility_id", None) or getattr(user, "establishment_id", None):
        return None
    if not form.is_valid():
        return None
    data = form.cleaned_data
    used = {name for name, value in data.items() if value not in (None, "") and name not in skip}
    dated = data.get("date_from") or data.get("date_to")
    if used - TALLY_FILTERS or not used & TALLY_NARROWING:
        return None
    if dated and data.get("date_on") != form.ARRIVAL:
        return None
    tally = apps.get_model("reports", "DeclarationTally")
    rows = tally.objects.visible_to(user)
    for name in ("district", "commune"):
        if data.get(name) and name not in skip:
            rows = rows.filter(area_path__startswith=data[name].path)
    if data.get("channel") and "channel" not in skip:
        rows = rows.filter(channel=data["channel"])
    if data.get("date_from"):
        rows = rows.filter(arrival_date__gte=data["date_from"])
    if data.get("date_to"):
        rows = rows.filter(arrival_date__lte=data["date_to"])
    return rows.order_by()


def _sum(rows):
    return rows.aggregate(n=Coalesce(Sum("n"), 0))["n"]


def list_total(user, form, qs, skip=()):
    """(n, capped) of the list `qs` (= form.filter_qs(scoped, skip))."""
    rows = tally_rows(user, form, skip)
    if rows is not None:
        return _sum(rows), False
    n, capped = capped_count(qs)
    return n, capped or form.keyword_truncated


def channel_tabs(user, form, base):
    """({channel: (n, capped)} or None, (n, capped) of all channels) of the list
    `base` (every filter but the channel). None: the tabs show no number."""
    truncated = form.keyword_truncated
    rows = tally_rows(user, form, skip=("channel",))
    if rows is not None:
        # Arrival dates: every tab from the tally, in one grouped sum.
        grouped = rows.values_list("channel").annotate(k=Sum("n"))
        by_channel = {channel: (k, False) for channel, k in grouped if k}
        return by_channel, (sum(k for k, _capped in by_channel.values()), False)
    if form.is_valid() and form.cleaned_data.get("q"):
        # A keyword bounds the rows (filters.KEYWORD_PEOPLE people): their
        # channels read at once, without a LIMIT that would let PostgreSQL walk
        # the index of dates instead of the people's declarations.
        channels = list(base.order_by().values_list("channel", flat=True))
        counted = collections.Counter(channels)
        return {c: (k, truncated) for c, k in counted.items()}, (len(channels), truncated)
    n, capped = capped_count(base)
    if capped:
        return None, (n, True)
    # At most the cap's rows: one grouped count, exact, as the tally's.
    grouped = base.order_by().values_list("channel").annotate(k=Count("pk"))
    return {channel: (k, truncated) for channel, k in grouped}, (n, truncated)


def list_counts(user, form, scoped, filtered):
    """((n, capped) of the list, {channel: (n, capped)} or None, (n, capped) of
    the "all channels" tab): the list's total is counted as its tab's."""
    by_channel, all_channels = channel_tabs(user, form, form.filter_qs(scoped, skip=("channel",)))
    channel = form.cleaned_data.get("channel") if form.is_valid() else None
    if not channel:
        return all_channels, by_channel, all_channels
    if by_channel is not None:
        return by_channel.get(channel, (0, form.keyword_truncated)), by_channel, all_channels
    return list_total(user, form, filtered), None, all_channels
