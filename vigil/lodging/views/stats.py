"""Statistics of the guests (issue 14): guests per night by area (drill-down
province -> district -> commune -> establishment) and by establishment kind,
the share of guests with a health declaration, and the foreign guests by
country. The figures come from vigil.lodging.stats, as for the API and the
reports dashboard."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from vigil.core.permissions import READ_STATISTICS, requires
from vigil.declarations.forms import DATE_WIDGET_ATTRS

from .. import police, stats


class GuestStatsForm(forms.Form):
    """The period; `unit` (hidden) is the area whose units are the rows."""

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
        elif (end - start).days >= stats.MAX_DAYS:
            self.add_error(
                "date_from",
                _("Choose a period of at most %(days)s days.") % {"days": stats.MAX_DAYS},
            )
        data["start"], data["end"] = start, end
        return data


@require_GET
@requires(READ_STATISTICS)
def guest_stats(request):
    """About six queries whatever the number of stays."""
    user = request.user
    unit = police.table_unit(user, request.GET.get("unit"))
    if unit is None:
        raise Http404
    form = GuestStatsForm(request.GET)
    context = {"form": form, "unit": unit, "crumbs": police.crumbs(user, unit)}
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        nights = stats.per_night(user, unit, start, end)
        context.update(
            table=stats.guest_table(user, unit, start, end),
            nights=nights,
            chart=stats.chart(nights) if nights else None,
            foreign=stats.foreign_by_country(user, unit, start, end),
        )
    return render(request, "lodging/stats.html", context)
