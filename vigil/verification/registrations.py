"""Registrations to return (R-V4, R-V6): submit, decide, link the declaration.

Every change of a registration goes through `_transition`: it locks the row,
refuses a stale version or a state the action does not start from, applies
the change, bumps the version, and records a RegistrationEvent and an audit
row in the same transaction (like vigil.declarations.transitions). The pages
and the API call these functions and nothing else writes a Registration.

The decision is sent to the phone that registered by SMS once the transaction
has committed: a rolled-back decision never reaches anyone, and a gateway
that is down does not undo the decision (the citizen's page shows it too).
"""

import datetime
import functools
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import Action, log
from vigil.core.paging import capped_count
from vigil.declarations.models import ApprovalState
from vigil.declarations.sms import SmsError, send_sms
from vigil.declarations.transitions import TransitionRefused, transition

from .models import Registration, RegistrationEvent, RegistrationState

logger = logging.getLogger("vigil.registrations")

# How far ahead a return may be registered.
MAX_DAYS_AHEAD = 366

FIELDS = (
    "full_name", "id_kind", "id_number", "phone", "birth_year", "gender",
    "registration_kind", "student_code", "school",
    "departure_country", "departure_unit", "departure_place",
    "area", "village", "address",
    "arrival_date", "transport", "transport_number", "note",
)  # fmt: skip

ALREADY_DECIDED = gettext_lazy(
    "This registration was already decided; reload it to see its current state."
)


class StaleRegistration(Exception):
    """The registration changed since the form was opened (optimistic locking)."""

    def __init__(self, current):
        self.current = current
        super().__init__("stale")


# Checks -------------------------------------------------------------------


def check_arrival_date(day):
    """A planned return: today or later, and within a year. Returns the message or None."""
    today = timezone.localdate()
    if day < today:
        return _("The planned arrival date cannot be in the past: register before travelling.")
    if day > today + datetime.timedelta(days=MAX_DAYS_AHEAD):
        return _("The planned arrival date is more than a year away.")
    return None


def _check(values):
    errors = {}
    day = values.get("arrival_date")
    if day is None:
        errors["arrival_date"] = _("Enter the planned arrival date.")
    else:
        message = check_arrival_date(day)
        if message:
            errors["arrival_date"] = message
    area = values.get("area")
    home = AdminUnit.objects.home_province()
    if area is None or area.level != Level.COMMUNE or not area.path.startswith(home.path):
        errors["area"] = _("Choose a commune of the province.")
    if errors:
        raise ValidationError(errors)


# Submitting ---------------------------------------------------------------


def submit_registration(
    values,
    *,
    channel,
    submitter_phone,
    is_proxy=False,
    proxy_relation="",
    idempotency_key=None,
    request=None,
):
    """Record a planned return. Returns (registration, created).

    `values` are the cleaned FIELDS (model instances, dates). A repeated
    `idempotency_key` (double tap, retry) returns the first registration.
    """
    if idempotency_key:
        earlier = Registration.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier, False
    _check(values)
    data = {name: values[name] for name in FIELDS if values.get(name) is not None}
    if data.get("id_number"):
        data["id_number"] = data["id_number"].upper()
    try:
        with transaction.atomic():
            registration = Registration.objects.create(
                **data,
                channel=channel,
                submitter_phone=submitter_phone,
                is_proxy=is_proxy,
                proxy_relation=proxy_relation if is_proxy else "",
                idempotency_key=idempotency_key or None,
            )
            RegistrationEvent.objects.create(
                registration=registration,
                action="submitted",
                to_state=registration.state,
                data={"channel": channel, "proxy": is_proxy},
            )
            log(
                request,
                Action.CREATE,
                registration,
                detail={"channel": channel, "proxy": is_proxy, "submitter_phone": submitter_phone},
            )
    except IntegrityError:
        # Two retries raced past the check above: the first one won.
        if idempotency_key:
            earlier = Registration.objects.filter(idempotency_key=idempotency_key).first()
            if earlier is not None:
                return earlier, False
        raise
    return registration, True


# The one guarded change ---------------------------------------------------


@transaction.atomic
def _transition(
    registration,
    *,
    actor,
    version,
    action,
    allowed_from,
    to_state,
    changes=None,
    note="",
    guard=None,
    request=None,
):
    """Move the registration from one of `allowed_from` to `to_state`.

    `version` None skips the staleness check (a citizen's own follow-up, not a
    decision made on what a form showed). `guard(current)` may refuse with
    TransitionRefused after the row is locked.
    """
    current = Registration.objects.select_for_update().get(pk=registration.pk)
    if version is not None and current.version != version:
        raise StaleRegistration(current)
    from_state = current.state
    if from_state not in allowed_from:
        raise TransitionRefused(str(ALREADY_DECIDED))
    if guard is not None:
        guard(current)
    current.state = to_state
    for field, value in (changes or {}).items():
        setattr(current, field, value)
    current.version += 1
    current.save()
    data = {
        k: (v.pk if hasattr(v, "pk") else v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in (changes or {}).items()
    }
    RegistrationEvent.objects.create(
        registration=current,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data,
    )
    log(
        request or actor,
        Action.CHANGE,
        current,
        detail={"action": action, "from": from_state, "to": to_state, "note": note, **data},
    )
    return current


def decide(registration, *, actor, version, approve, reason="", request=None):
    """The destination commune's decision (R-V4); a rejection needs a reason.

    The SMS to the phone that registered leaves after the commit.
    """
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    done = _transition(
        registration,
        actor=actor,
        version=version,
        action="approve" if approve else "reject",
        allowed_from=(RegistrationState.PENDING,),
        to_state=RegistrationState.APPROVED if approve else RegistrationState.REJECTED,
        changes={"decided_by": actor, "decided_at": timezone.now(), "decision_note": reason},
        note=reason,
        request=request,
    )
    transaction.on_commit(functools.partial(send_decision, done.pk))
    return done


def link_declaration(registration, declaration, *, request=None):
    """Point an approved registration at the arrival declaration made from it.

    Once only: a registration already used answers TransitionRefused; the
    same declaration again (a replayed submit) changes nothing.
    """
    if registration.declaration_id == declaration.pk:
        return registration

    def unused(current):
        if current.declaration_id is not None and current.declaration_id != declaration.pk:
            raise TransitionRefused(_("An arrival was already declared from this registration."))

    with transaction.atomic():
        linked = _transition(
            registration,
            actor=None,
            version=None,
            action="declared",
            allowed_from=(RegistrationState.APPROVED,),
            to_state=RegistrationState.APPROVED,
            changes={"declaration": declaration},
            note=declaration.code,
            guard=unused,
            request=request,
        )
        # The declaration carries the commune's approval (R-V4), as an event of its own.
        transition(
            declaration,
            actor=registration.decided_by,
            version=None,
            action="approve",
            state_field="approval_state",
            allowed_from=(ApprovalState.NONE,),
            to_state=ApprovalState.APPROVED,
            note=registration.code,
            data={"registration": registration.code},
        )
    return linked


# The SMS ------------------------------------------------------------------


def decision_text(registration):
    """The SMS, in the site's language whoever decided (the citizen reads it)."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "site": settings.VIGIL_SITE_NAME,
            "code": registration.code,
            "name": registration.full_name,
            "commune": registration.area.name,
            "date": date_format(registration.arrival_date, "d/m/Y"),
            "reason": registration.decision_note,
        }
        if registration.state == RegistrationState.APPROVED:
            return (
                _(
                    "%(site)s: registration %(code)s of %(name)s to return to %(commune)s on "
                    "%(date)s is APPROVED. Declare your arrival when you come back."
                )
                % values
            )
        return (
            _(
                "%(site)s: registration %(code)s of %(name)s to return to %(commune)s is "
                "REJECTED. Reason: %(reason)s"
            )
            % values
        )


def send_decision(registration_id):
    """Send the decision to the phone that registered (after commit; takes a pk)."""
    registration = Registration.objects.select_related("area").get(pk=registration_id)
    try:
        send_sms(registration.submitter_phone, decision_text(registration))
    except SmsError:
        # The decision stands and the citizen's page shows it; the log tells
        # the operators the gateway failed.
        logger.exception("decision SMS for registration %s not sent", registration.code)


# Worklist -----------------------------------------------------------------


def pending_count(user):
    """The approval queue's size for the home menu, the dashboard (R-H1) and
    the verification tabs: exact up to settings.VIGIL_LIST_COUNT_CAP, as the
    other worklists count (vigil.verification.worklists), so that a province's
    backlog is never counted whole on every page view."""
    return capped_count(Registration.objects.visible_to(user).awaiting_decision())[0]


__all__ = [
    "StaleRegistration",
    "TransitionRefused",
    "check_arrival_date",
    "decide",
    "link_declaration",
    "pending_count",
    "submit_registration",
]
