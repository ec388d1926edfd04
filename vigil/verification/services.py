"""Verification of arrivals at the home commune (R-V2..R-V5, Fig 7).

One function per action; each goes through declarations.transitions.transition,
which checks the state and the version and records the event.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from vigil.areas.models import AdminUnit, Level
from vigil.core.permissions import OVERRIDE_SURVEILLANCE, may
from vigil.declarations.models import (
    MedicalState,
    Surveillance,
    VerificationState,
)
from vigil.declarations.transitions import TransitionRefused, transition

OPEN = (VerificationState.PENDING,)


def _check_period(surveillance, start, end):
    errors = {}
    if surveillance not in Surveillance.values:
        errors["surveillance"] = _("Choose a surveillance type.")
    if start and end and end < start:
        errors["surveillance_end"] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)


def cdc_decision(declaration):
    """CDC's surveillance decision on the declaration, or "" when CDC has not decided."""
    if declaration.medical_state == MedicalState.VERIFIED and declaration.surveillance:
        return declaration.surveillance
    return ""


def may_override_cdc(user):
    return may(user, OVERRIDE_SURVEILLANCE)


def verify_returned(
    declaration,
    *,
    actor,
    version,
    surveillance,
    start=None,
    end=None,
    note="",
    override_reason="",
):
    """ "Đã về địa phương": the person is at home; a surveillance type is required.

    When CDC already decided the surveillance (R-M3), the commune's
    verification keeps it. Replacing it needs the permission to override
    (OVERRIDE_SURVEILLANCE) and a reason, and is recorded as an override
    event of its own: a later step never silently undoes an earlier one's
    decision (R-H1).
    """
    _check_period(surveillance, start, end)
    changes = {"surveillance": surveillance, "surveillance_start": start, "surveillance_end": end}
    reason = (override_reason or "").strip()
    return transition(
        declaration,
        actor=actor,
        version=version,
        action="verify_returned",
        state_field="verification_state",
        allowed_from=OPEN,
        to_state=VerificationState.RETURNED,
        changes=changes,
        note=note,
        data={"surveillance": surveillance},
        guard=lambda current: _keep_cdc_decision(current, actor, changes, reason),
    )


def _keep_cdc_decision(current, actor, changes, reason):
    """On the locked row: CDC's decision stands unless replaced with the
    permission and a reason; the replacement is an override event of its own."""
    decided = cdc_decision(current)
    if not decided:
        return []
    surveillance = changes["surveillance"]
    if surveillance == decided:
        # Same decision: CDC's dates stand unless the verifier gave others.
        changes["surveillance_start"] = changes["surveillance_start"] or current.surveillance_start
        changes["surveillance_end"] = changes["surveillance_end"] or current.surveillance_end
        return []
    if not may_override_cdc(actor):
        message = _("CDC decided “%(decision)s”. Only CDC or a leader may replace it.")
        raise ValidationError({"surveillance": message % {"decision": Surveillance(decided).label}})
    if not reason:
        raise ValidationError(
            {"override_reason": _("Give the reason for replacing CDC's decision.")}
        )
    override = {"from_state": decided, "to_state": surveillance}
    return [{"action": "surveillance_override", "note": reason, **override}]


def verify_failed(declaration, *, actor, version, reason):
    """ "Không xác minh được": goes to the failed list for the competent authority."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason the person could not be verified.")})
    return transition(
        declaration,
        actor=actor,
        version=version,
        action="verify_failed",
        state_field="verification_state",
        allowed_from=OPEN,
        to_state=VerificationState.FAILED,
        note=reason.strip(),
    )


def transfer(declaration, *, actor, version, target, note=""):
    """ "Chuyển địa bàn": the declaration moves to the right commune's queue.

    The reason is required: the receiving commune, and whoever reads the
    record's history or the audit log later, must know why it moved."""
    if not (note or "").strip():
        raise ValidationError({"note": _("Give the reason for the transfer.")})
    home = AdminUnit.objects.home_province()
    if target is None or target.level != Level.COMMUNE or not target.path.startswith(home.path):
        raise ValidationError({"target": _("Choose a commune of the province.")})
    if target.pk == declaration.area_id:
        raise ValidationError({"target": _("The declaration is already in this commune.")})
    return transition(
        declaration,
        actor=actor,
        version=version,
        action="transfer",
        state_field="verification_state",
        allowed_from=OPEN,
        to_state=VerificationState.PENDING,
        to_area=target,
        note=note.strip(),
        data={"from": declaration.area.name, "to": target.name},
    )


__all__ = [
    "TransitionRefused",
    "cdc_decision",
    "may_override_cdc",
    "transfer",
    "verify_failed",
    "verify_returned",
]
