"""Verification by the military command of arrivals taken into concentrated
quarantine (seed §I.2: "Bộ Chỉ huy quân sự tỉnh: phối hợp với chính quyền địa
phương để thực hiện xác minh người về địa phương đã vào cách ly tại các Khu
cách ly tập trung"; SPEC R-V7).

A declaration still waiting for its commune's verification when its person is
taken into a facility moves to VerificationState.INTAKE (done by the intake):
it leaves the commune's queue and waits here, in the queue of the military
task group, scoped by the declaration's commune like every verification queue.
The military records one of two outcomes through the guarded transition:
returned to the locality (the surveillance stays the concentrated quarantine
the person is in) or could not verify (with a reason; the declaration then
joins the failed verifications for the competent authority).
"""

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.core.permissions import VERIFY_QUARANTINED, may
from vigil.declarations.models import Declaration, DeclarationEvent, VerificationState
from vigil.declarations.transitions import transition

RETURNED = "returned"
FAILED = "failed"
OUTCOMES = [
    (RETURNED, gettext_lazy("Returned to the locality")),
    (FAILED, gettext_lazy("Could not verify")),
]
TO_STATE = {RETURNED: VerificationState.RETURNED, FAILED: VerificationState.FAILED}


def awaiting(queryset):
    """The declarations of `queryset` the military command has to verify."""
    return queryset.filter(verification_state=VerificationState.INTAKE)


def with_stay(queryset):
    """Annotate each declaration with the facility and start of the latest stay
    its intake opened (`stay_facility`, `stay_facility_id`, `stay_start`): one
    query for a page, however many rows."""
    from vigil.quarantine.models import Stay

    stays = Stay.objects.filter(declaration=OuterRef("pk")).order_by("-start_date", "-id")
    return queryset.annotate(
        stay_facility=Subquery(stays.values("facility__name")[:1]),
        stay_facility_id=Subquery(stays.values("facility_id")[:1]),
        stay_start=Subquery(stays.values("start_date")[:1]),
    )


def queue_for(user):
    """The military queue as `user` sees it: inside the jurisdiction, oldest first."""
    return awaiting(Declaration.objects.visible_to(user)).order_by("created_at", "id")


def count(user):
    """The size of the queue, for the home menu and the dashboard (R-H1)."""
    if not may(user, VERIFY_QUARANTINED):
        return 0
    return awaiting(Declaration.objects.visible_to(user)).count()


def stay_of(declaration):
    """The stay the intake opened for this declaration (else the person's latest)."""
    from vigil.quarantine.models import Stay

    stays = Stay.objects.select_related("facility", "bed__room__building").order_by(
        "-start_date", "-id"
    )
    return (
        stays.filter(declaration=declaration).first()
        or stays.filter(person_id=declaration.person_id).first()
    )


def cdc_decision(declaration):
    """CDC's latest medical verification of the declaration, or None."""
    return (
        DeclarationEvent.objects.filter(declaration=declaration, action="medical_verify")
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def military_verify(declaration, *, actor, version, outcome, note=""):
    """Record the military command's verification of a person in concentrated quarantine.

    "returned": the person belongs to the locality they declared; the
    surveillance (the concentrated quarantine set at intake) is kept.
    "failed": could not verify; a reason is required.
    """
    note = (note or "").strip()
    if outcome not in TO_STATE:
        raise ValidationError({"outcome": _("Choose the outcome of the verification.")})
    if outcome == FAILED and not note:
        raise ValidationError({"note": _("Give the reason the person could not be verified.")})
    return transition(
        declaration,
        actor=actor,
        version=version,
        action="military_verify",
        state_field="verification_state",
        allowed_from=(VerificationState.INTAKE,),
        to_state=TO_STATE[outcome],
        note=note,
        data={"outcome": outcome},
    )
