"""The "to take in" list (R-H1): people CDC sent to concentrated quarantine
whom no facility has taken in yet, oldest decision first; "Take in" opens the
intake with everything filled in from the declaration."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from vigil.core.paging import CappedPaginator, load_page
from vigil.core.permissions import FOLLOW_TAKE_IN, TAKE_IN, may, requires

from ..forms import ToTakeInFilterForm
from ..worklists import sent_by_case_tracing, to_take_in
from .shared import PAGE_SIZE


@require_GET
@requires(FOLLOW_TAKE_IN)
def to_take_in_list(request):
    user = request.user
    form = ToTakeInFilterForm(request.GET, user=user)
    declarations = form.filter_qs(to_take_in(user))
    paginator = CappedPaginator(declarations.values_list("pk", flat=True), PAGE_SIZE,
                                count_qs=declarations)  # fmt: skip
    page = load_page(
        paginator.get_page(request.GET.get("page")),
        lambda pks: (
            to_take_in(user)
            .filter(pk__in=pks)
            .select_related("person", "area__parent", "departure_unit", "departure_country")
        ),
    )
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
            "sent": sent[:PAGE_SIZE],
            "sent_more": len(sent) > PAGE_SIZE,
        },
    )
