"""Forms of the verification pages (R-V1..R-V4, Fig 7).

The queue filter is the declaration list's filter plus the risk colour; the
verification outcome and the approval decision are plain forms whose
conditional rules (a surveillance type for "returned", a reason for "could not
verify", a commune of the province for a transfer) are enforced by
vigil.verification.services, so the pages and any other caller refuse exactly
the same things.
"""

from django import forms
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.areas.models import AdminUnit, Level
from vigil.declarations import questions
from vigil.declarations.fields import GroupedUnitField, unit_choices
from vigil.declarations.filters import DeclarationFilterForm
from vigil.declarations.forms import DATE_WIDGET_ATTRS, PublicDeclarationForm
from vigil.declarations.models import ONLINE_CHANNELS, Declaration, RiskColour, Surveillance
from vigil.quarantine.models import Facility, Stay

from . import military, registrations


class QueueFilterForm(DeclarationFilterForm):
    """The declaration list's filters (dates, district, commune, kind, channel,
    keyword, all inside the viewer's jurisdiction) plus the risk colour."""

    colour = forms.ChoiceField(
        label=_("Risk colour"), required=False, choices=[("", _("All")), *RiskColour.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only online declarations wait for verification.
        self.fields["channel"].choices = [
            ("", _("All")),
            *((channel.value, channel.label) for channel in ONLINE_CHANNELS),
        ]

    def filter_qs(self, qs, skip=()):
        qs = super().filter_qs(qs, skip=skip)
        colour = self.cleaned_data.get("colour") if self.is_valid() else ""
        if colour and "colour" not in skip:
            qs = qs.filter(risk_colour=colour)
        return qs


class ServiceErrorsMixin:
    def add_service_error(self, exc):
        """Put a service's ValidationError next to the fields it names."""
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class Outcome:
    RETURNED = "returned"
    FAILED = "failed"
    TRANSFER = "transfer"
    CHOICES = [
        (RETURNED, _("Returned to the locality")),
        (FAILED, _("Could not verify")),
        (TRANSFER, _("Transfer to another area")),
    ]


class OutcomeForm(ServiceErrorsMixin, forms.Form):
    """What the verifier found ("Đã về địa phương" / "Không xác minh được" /
    "Chuyển địa bàn") and the page's version of the record."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=Outcome.CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    surveillance = forms.ChoiceField(
        label=_("Surveillance type"),
        choices=[("", "---------"), *Surveillance.choices],
        required=False,
        help_text=_("Required when the person has returned."),
    )
    surveillance_start = forms.DateField(
        label=_("Surveillance from"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    surveillance_end = forms.DateField(
        label=_("Surveillance until"), required=False, widget=forms.DateInput(DATE_WIDGET_ATTRS)
    )
    override_reason = forms.CharField(
        label=_("Reason for replacing CDC's decision"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to choose another surveillance type than CDC decided."),
    )
    reason = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=1000,
        help_text=_("Required when the person could not be verified."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target = GroupedUnitField(
        label=_("Transfer to commune"),
        queryset=AdminUnit.objects.none(),
        required=False,
        help_text=_("Required for a transfer: the commune the person actually went to."),
    )
    transfer_reason = forms.CharField(
        label=_("Reason for the transfer"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a transfer: why the person is in another commune."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, declaration, require_outcome=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.require_outcome = require_outcome
        # Any unit of the active tree is accepted so that the service gives
        # its own message for a district or a commune of another province;
        # the communes of the home province are what the list offers, the
        # declaration's own commune left out.
        units = AdminUnit.objects.active_tree()
        self.fields["target"].queryset = units
        home = AdminUnit.objects.home_province()
        communes = (
            units.under(home).filter(level=Level.COMMUNE).exclude(pk=declaration.area_id)
        ).order_by("path")
        self.fields["target"].choices = unit_choices(
            communes, settings.VIGIL_AREA_TREE == AdminUnit.TREE_PRE2025
        )
        self.fields["surveillance_start"].initial = timezone.localdate()
        from .services import cdc_decision

        self.cdc_decision = cdc_decision(declaration)
        if self.cdc_decision:
            # CDC decided first: its decision is what the verifier confirms.
            self.fields["surveillance"].initial = self.cdc_decision
            self.fields["surveillance_start"].initial = declaration.surveillance_start
            self.fields["surveillance_end"].initial = declaration.surveillance_end
        else:
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        if self.require_outcome and not data.get("outcome"):
            self.add_error("outcome", _("Choose the outcome of the verification."))
        if data.get("outcome") == Outcome.TRANSFER and not data.get("transfer_reason"):
            self.add_error("transfer_reason", _("Give the reason for the transfer."))
        return data


class ApprovalForm(ServiceErrorsMixin, forms.Form):
    """Approve or reject a registration to return (R-V4)."""

    APPROVE, REJECT = "approve", "reject"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))])
    reason = forms.CharField(label=_("Reason for a rejection"), required=False, max_length=1000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class RegistrationForm(ServiceErrorsMixin, PublicDeclarationForm):
    """The declaration form's identity, departure, destination and journey
    fields (same rules and messages), without the health questions, which are
    answered on arrival; the arrival date is a planned one (today or later)."""

    DROPPED = ("occupation", "visited_areas", "version", *questions.KEYS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.DROPPED:
            self.fields.pop(name, None)
        self.fields["arrival_date"].label = _("Planned arrival date")
        self.fields["registration_kind"].label = _("Reason for returning")
        self.fields["note"] = forms.CharField(
            label=_("Note for the commune"),
            required=False,
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def clean_arrival_date(self):
        day = self.cleaned_data["arrival_date"]
        message = registrations.check_arrival_date(day)
        if message:
            raise forms.ValidationError(message)
        return day

    def clean_note(self):
        return self.cleaned_data["note"].strip()

    def registration_values(self):
        return {name: self.cleaned_data.get(name) for name in registrations.FIELDS}


def declaration_initial(registration):
    """The arrival declaration's initial values from an approved registration.

    The arrival date is the planned one, or today when that is still ahead
    (a declaration's arrival date cannot be in the future). The health
    questions stay unanswered: they are about the day of arrival.
    """
    r = registration
    initial = {
        name: getattr(r, name)
        for name in (
            "full_name", "id_kind", "id_number", "phone", "birth_year", "gender",
            "registration_kind", "student_code", "school", "departure_place",
            "address", "transport", "transport_number",
        )
    }  # fmt: skip
    initial.update(
        departure_country=r.departure_country_id,
        area=r.area_id,
        village=r.village_id,
        arrival_date=min(r.arrival_date, timezone.localdate()),
    )
    unit = r.departure_unit
    for level, name in (
        (Level.COMMUNE, "departure_commune"),
        (Level.DISTRICT, "departure_district"),
        (Level.PROVINCE, "departure_province"),
    ):
        if unit is not None and unit.level == level:
            initial[name] = unit.pk
            unit = unit.parent
    if r.is_proxy:
        initial["proxy_relation"] = r.proxy_relation
    return initial


# The military command's queue (R-V7) ------------------------------------------


class MilitaryFilterForm(DeclarationFilterForm):
    """The declaration list's dates, district, commune and keyword, plus the
    facility the person was taken into. The facilities offered are those that
    hold someone of this viewer's queue: a facility may lie outside the
    jurisdiction that the person's home commune is in."""

    facility = forms.ModelChoiceField(
        label=_("Quarantine facility"),
        required=False,
        queryset=Facility.objects.none(),
        empty_label=_("All"),
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


def military_queue(user, query):
    """(form, the filtered queue): the page, the export and nothing else build it."""
    form = MilitaryFilterForm(query, user=user)
    rows = form.filter_qs(military.queue_for(user)).select_related("person", "area__parent")
    return form, military.with_stay(rows)


class MilitaryOutcomeForm(ServiceErrorsMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=military.OUTCOMES,
        required=False,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason or note"),
        required=False,
        max_length=1000,
        help_text=_("Required when the person could not be verified."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
