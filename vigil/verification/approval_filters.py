"""The approval queue's filters and rows (R-V4), shared by its page
(vigil.verification.views.approvals) and its export (vigil.reports)."""

from django.utils.translation import gettext as _

from vigil.declarations.filters import DeclarationFilterForm

from .models import Registration


class RegistrationFilterForm(DeclarationFilterForm):
    """The declaration list's filters that apply to a registration: dates (of
    registration or of the planned arrival), district, commune, reason and
    keyword, every choice inside the viewer's jurisdiction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["channel"]
        self.fields["date_on"].choices = [
            (self.CREATED, _("registration")),
            (self.ARRIVAL, _("planned arrival")),
        ]
        self.fields["kind"].label = _("Reason for returning")

    def filter_qs(self, qs, skip=()):
        """Narrow an already scoped queryset; an invalid form yields nothing."""
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        for name in ("district", "commune"):
            if data.get(name):
                qs = qs.filter(area_path__startswith=data[name].path)
        if data.get("kind"):
            qs = qs.filter(registration_kind=data["kind"])
        qs = self._filter_dates(qs, data)
        if data.get("q"):
            qs = qs.matching(data["q"])
        return qs


def registration_queryset():
    # The places with their parents: the page names each unambiguously
    # (two communes of a province may share a name).
    return Registration.objects.select_related(
        "area__parent",
        "village",
        "departure_country",
        "departure_unit__parent__parent",
        "decided_by",
        "declaration",
    )
