"""Statistics of the investigation (issue 13): F0/F1/F2/F3+ by area with a
drill-down to the list, the epidemic curve, contacts per case, contacts
reached in time and the monitoring completion. The figures come from
vigil.investigation.stats, as for the API and the reports dashboard."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from vigil.core.permissions import READ_CASES, READ_MONITORING, may, requires
from vigil.declarations.forms import DATE_WIDGET_ATTRS

from .. import stats

# A curve longer than this is refused: a bar per day stops being readable.
MAX_CURVE_DAYS = 400


class StatsForm(forms.Form):
    """The curve's period; `unit` (hidden) is the area whose units are the rows."""

    unit = forms.IntegerField(required=False, widget=forms.HiddenInput())
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )

    def clean(self):
        data = super().clean()
        start, end = stats.default_range()
        start = data.get("date_from") or start
        end = data.get("date_to") or end
        if start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        elif (end - start).days >= MAX_CURVE_DAYS:
            self.add_error(
                "date_from",
                _("Choose a period of at most %(days)s days.") % {"days": MAX_CURVE_DAYS},
            )
        data["start"], data["end"] = start, end
        return data


@require_GET
@requires(READ_CASES)
def investigation_stats(request):
    """One page, about six queries whatever the number of records."""
    user = request.user
    unit = stats.table_unit(user, request.GET.get("unit"))
    if unit is None:
        # A unit outside the jurisdiction (or none at all): nothing to show.
        raise Http404
    form = StatsForm(request.GET)
    curve = []
    if form.is_valid():
        curve = stats.epidemic_curve(user, form.cleaned_data["start"], form.cleaned_data["end"])
    context = {
        "form": form,
        "unit": unit,
        "crumbs": _crumbs(user, unit),
        "table": stats.by_area(user, unit),
        "levels": stats.LEVELS,
        "curve": curve,
        "curve_total": sum(cell.value for _day, cell in curve),
        "chart": stats.curve_chart(curve) if curve else None,
        "contacts": stats.contacts_per_case(user),
        "reached": stats.contacts_reached(user),
        "monitoring": (stats.monitoring_figures(user) if may(user, READ_MONITORING) else None),
    }
    return render(request, "investigation/stats.html", context)


def _crumbs(user, unit):
    """[(name, unit pk or None)] from the jurisdiction down to `unit`."""
    top = getattr(user, "jurisdiction", None)
    if top is None or unit.pk == top.pk:
        return []
    chain = [u for u in unit.ancestors() if u.path.startswith(top.path) and u.pk != top.pk]
    return [(top.name, None), *((u.name, u.pk) for u in chain)]
