"""The "to take in" list (R-H1): people CDC sent to concentrated quarantine
whom no facility has taken in yet, oldest decision first; "Take in" opens the
intake with everything filled in from the declaration.

The order is by the time of CDC's decision (`decided_at`, in the order of
the index decl_to_take_in_order): the list's ids are read once, at most
VIGIL_LIST_COUNT_CAP + 1 of them, and that one read is both the count (exact
up to the cap) and the pages; only the page's 50 rows are then read, as
values."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET

from vigil.areas.templatetags.places import place_names
from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.permissions import FOLLOW_TAKE_IN, TAKE_IN, may, requires
from vigil.declarations.models import Declaration, RiskColour

from ..forms import ToTakeInFilterForm
from ..worklists import decided_at, sent_by_case_tracing, to_take_in
from .shared import PAGE_SIZE

ROW_FIELDS = (
    "pk",
    "code",
    "arrival_date",
    "risk_colour",
    "surveillance_end",
    "area_id",
    "person__full_name",
    "person__birth_year",
    "person__id_number",
    "person__phone",
)


class _ReadPaginator(Paginator):
    """Pages of a list already read (at most the cap + 1 ids): counted as
    `capped_count` counts, pages beyond the cap not offered."""

    def __init__(self, object_list, per_page, *, cap):
        super().__init__(object_list, per_page)
        self.capped = len(object_list) > cap
        self.__dict__["count"] = min(len(object_list), cap)


class TakeInRow:
    __slots__ = (
        "pk",
        "code",
        "full_name",
        "birth_year",
        "masked_id_number",
        "masked_phone",
        "place",
        "arrival",
        "colour",
        "colour_label",
        "decided",
        "until",
    )


def _fetch_rows(pks):
    """{pk: TakeInRow} of the page's declarations."""
    labels = {value: str(label) for value, label in RiskColour.choices}
    values = list(
        Declaration.objects.filter(pk__in=pks)
        .annotate(decided=decided_at())
        .values_list(*ROW_FIELDS, "decided")
    )
    places = place_names({v[5] for v in values})  # "commune, district"
    rows = {}
    for pk, code, arrival, colour, until, area_id, name, born, id_number, phone, at in values:
        row = TakeInRow()
        row.pk, row.code, row.full_name = pk, code, name
        row.birth_year = born
        row.masked_id_number = mask_id_number(id_number)
        row.masked_phone = mask_phone(phone)
        row.place = places.get(area_id, "")
        row.arrival = arrival.strftime("%d/%m/%Y") if arrival else ""
        row.colour, row.colour_label = colour, labels.get(colour, colour)
        row.decided = localtime(at).strftime("%d/%m/%Y %H:%M") if at else ""
        row.until = until.strftime("%d/%m/%Y") if until else "-"
        rows[pk] = row
    return rows


@require_GET
@requires(FOLLOW_TAKE_IN)
def to_take_in_list(request):
    user = request.user
    form = ToTakeInFilterForm(request.GET, user=user)
    cap = settings.VIGIL_LIST_COUNT_CAP
    declarations = form.filter_qs(to_take_in(user))
    read = list(declarations.values_list("pk", flat=True)[: cap + 1])
    paginator = _ReadPaginator(read, PAGE_SIZE, cap=cap)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list)
    found = _fetch_rows(ids)
    page.object_list = [found[pk] for pk in ids if pk in found]
    # A second, short table: people case tracing sent (not filtered: few).
    # One more than it shows, to say so when more are waiting.
    sent = list(sent_by_case_tracing(user).select_related("area__parent")[: PAGE_SIZE + 1])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "quarantine/to_take_in.html",
        {
            "form": form,
            "page": page,
            "total": paginator.count,
            "capped": paginator.capped,
            "suffix": f"?{query.urlencode()}" if query else "",
            "may_take_in": may(user, TAKE_IN),
            "intake_url": reverse("quarantine:intake"),
            "sent": sent[:PAGE_SIZE],
            "sent_more": len(sent) > PAGE_SIZE,
        },
    )
