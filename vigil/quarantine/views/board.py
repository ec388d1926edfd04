"""The facility board (R-Q4, the seed's "Bảng theo dõi khu cách ly"): its
figures come from vigil.quarantine.board, as for the API; this page adds the
HTML of the daily cells."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.core.permissions import READ_QUARANTINE, requires

from .. import board as figures
from ..forms import BoardFilterForm


def daily_cells(daily):
    """A facility's 14 cells "arrivals / discharges", built here: as template
    nodes, 50 facilities x 14 days were most of the board's rendering time."""
    # Integers only: nothing to escape.
    return mark_safe(  # noqa: S308
        "".join(f"<td>{a} / {d}</td>" if a or d else "<td>·</td>" for _day, a, d in daily)
    )


@require_GET
@requires(READ_QUARANTINE)
def board(request):
    """R-Q4: per facility in scope, and summed per district and for the whole scope."""
    form = BoardFilterForm(request.GET, user=request.user)
    context = figures.build_board(request.user, form, _("Total"))
    for row in context["rows"]:
        row["daily_cells"] = daily_cells(row["daily"])
    return render(
        request,
        "quarantine/board.html",
        {"form": form, **context, "today": timezone.localdate()},
    )
