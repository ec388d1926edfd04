"""The military command's queue: arrivals verified at quarantine intake, to be
verified in their home locality ("Xác minh người vào khu cách ly tập trung",
seed §I.2, R-V7). The rules are in vigil.verification.military.

Like the other verification queues: oldest first, filtered (dates, district,
commune, facility, keyword), paged, with the total and an Excel export; the
declarations are read through `visible_to` (out of scope: 404) and changed
only through `military.military_verify`, which checks the version.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from vigil.accounts.decorators import task_required
from vigil.audit.services import Action, log, stale_message
from vigil.core.scope import get_for_user
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.models import Declaration, VerificationState
from vigil.declarations.services import StaleDeclaration
from vigil.declarations.transitions import TransitionRefused
from vigil.people.permissions import may_see_identity
from vigil.quarantine.models import Facility, Stay
from vigil.reports.exports import DATE, Column, ExportSpec, register
from vigil.reports.registry import declaration_columns, describe

from . import military
from .forms import ServiceErrorsMixin

PAGE_SIZE = 50
TITLE = gettext_lazy("Verify people taken into concentrated quarantine")
EXPORT_KEY = "verification_military"


class MilitaryFilterForm(DeclarationFilterForm):
    """The declaration list's dates, district, commune and keyword, plus the
    facility the person was taken into. The facilities offered are those that
    hold someone of this viewer's queue: a facility may lie outside the
    jurisdiction that the person's home commune is in."""

    facility = forms.ModelChoiceField(
        label=gettext_lazy("Quarantine facility"),
        required=False,
        queryset=Facility.objects.none(),
        empty_label=gettext_lazy("All"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The queue is one registration state and any channel: these two
        # filters of the declaration list mean nothing here.
        del self.fields["kind"]
        del self.fields["channel"]
        queue = military.awaiting(Declaration.objects.visible_to(user))
        self.fields["facility"].queryset = Facility.objects.filter(
            pk__in=Stay.objects.filter(declaration__in=queue.values("pk")).values("facility_id")
        ).order_by("name")

    def filter_qs(self, qs, skip=()):
        qs = super().filter_qs(qs, skip=skip)
        facility = self.cleaned_data.get("facility") if self.is_valid() else None
        if facility and "facility" not in skip:
            qs = qs.filter(
                Exists(Stay.objects.filter(declaration=OuterRef("pk"), facility=facility))
            )
        return qs


def queue_rows(user, query):
    """(form, the filtered queue): the page, the export and nothing else build it."""
    form = MilitaryFilterForm(query, user=user)
    rows = form.filter_qs(military.queue_for(user)).select_related("person", "area")
    return form, military.with_stay(rows)


@require_GET
@task_required(*military.MILITARY_TASKS)
def queue(request):
    form, rows = queue_rows(request.user, request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/military_queue.html",
        {
            "title": TITLE,
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "export_key": EXPORT_KEY,
        },
    )


class MilitaryOutcomeForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=military.OUTCOMES,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Reason or note"),
        required=False,
        max_length=1000,
        help_text=gettext_lazy("Required when the person could not be verified."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def declaration_queryset():
    return Declaration.objects.select_related(
        "person", "area", "village", "departure_country", "departure_unit", "created_by"
    )


def _render_verify(request, declaration, form, *, status=200):
    return render(
        request,
        "verification/military_verify.html",
        {
            "title": TITLE,
            "declaration": declaration,
            "person": declaration.person,
            "form": form,
            "is_waiting": declaration.verification_state == VerificationState.INTAKE,
            "show_identity": may_see_identity(request.user),
            "stay": military.stay_of(declaration),
            "cdc": military.cdc_decision(declaration),
            "events": declaration.events.select_related("actor", "from_area", "to_area"),
        },
        status=status,
    )


SUCCESS = {
    military.RETURNED: gettext_lazy("%(name)s: verified as returned to the locality."),
    military.FAILED: gettext_lazy("%(name)s: recorded as could not verify."),
}


@require_http_methods(["GET", "POST"])
@task_required(*military.MILITARY_TASKS)
def verify(request, declaration_id):
    """The declaration, the stay, CDC's decision, and the outcome to record."""
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    if request.method != "POST":
        log(
            request,
            Action.VIEW,
            declaration,
            detail={"military_verify": True, "identity_shown": may_see_identity(request.user)},
        )
        form = MilitaryOutcomeForm(initial={"version": declaration.version})
        return _render_verify(request, declaration, form)

    form = MilitaryOutcomeForm(request.POST)
    if not form.is_valid():
        return _render_verify(request, declaration, form)
    data = form.cleaned_data
    try:
        done = military.military_verify(
            declaration,
            actor=request.user,
            version=data["version"],
            outcome=data["outcome"],
            note=data["note"],
        )
    except StaleDeclaration as exc:
        # Someone saved first: say who and when, keep what was typed, and move
        # the page to the current version so that a second save, after review,
        # goes through.
        values = request.POST.copy()
        values["version"] = str(exc.current.version)
        form = MilitaryOutcomeForm(values)
        form.is_valid()
        form.add_error(None, stale_message(exc.current))
        current = declaration_queryset().get(pk=declaration.pk)
        return _render_verify(request, current, form)
    except ValidationError as exc:
        form.add_service_error(exc)
        return _render_verify(request, declaration, form)
    except TransitionRefused as exc:
        form.add_error(None, exc.message)
        return _render_verify(request, declaration, form)
    messages.success(request, SUCCESS[data["outcome"]] % {"name": done.person.full_name})
    return redirect("verification:military")


# The Excel export (R-S3): the rows of the page, with the facility.


def build_export(user, query):
    form, rows = queue_rows(user, query)
    return rows.select_related("departure_unit"), describe(form)


register(
    ExportSpec(
        key=EXPORT_KEY,
        title="Xác minh người vào khu cách ly tập trung",
        tasks=military.MILITARY_TASKS,
        build=build_export,
        columns=[
            *declaration_columns(),
            Column("Khu cách ly", source="stay_facility", width=26),
            Column("Ngày vào khu cách ly", source="stay_start", kind=DATE, width=12),
        ],
    )
)
