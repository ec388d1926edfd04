"""Medical monitoring ("Giám sát y tế", R-E5): periods, daily checks, closing.

A person under home quarantine, home or self-monitoring (CDC's decision on a
declaration) or a contact not sent to a facility gets a monitoring period,
one active at a time (a later decision extends the active one). Staff record
one check a day; a symptomatic check sends the person's latest declaration
back to CDC's triage queue through the declaration's guarded transition. At
the end the period is completed or lost to follow-up.

Every change locks the period (or checks its `version`) and writes an audit
row, plus a CaseEvent when the period belongs to a case, in one transaction.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.declarations.transitions import DECISION_ACTIONS

from .models import (
    CaseEvent,
    MonitoringCheck,
    MonitoringKind,
    MonitoringPeriod,
    MonitoringStatus,
)

FEVER = Decimal("37.5")
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
# CDC's decisions that the commune follows at home (the others: a facility,
# a hospital, nothing).
FOLLOWED_AT_HOME = (
    MonitoringKind.HOME_QUARANTINE,
    MonitoringKind.HOME_MONITORING,
    MonitoringKind.SELF_MONITORING,
)


class StalePeriod(Exception):
    def __init__(self, current):
        self.current = current
        super().__init__("stale")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _case_event(period, actor, action, before=None, after=None, note=""):
    if period.case_id:
        CaseEvent.objects.create(
            case_id=period.case_id,
            actor=_user(actor),
            action=action,
            from_data=before or {},
            to_data=after or {},
            note=note,
        )


def _dates(period):
    return {"start": period.start.isoformat(), "end": period.end.isoformat(), "kind": period.kind}


# Periods -------------------------------------------------------------------


def default_end(start):
    return start + datetime.timedelta(days=settings.VIGIL_MONITORING_DAYS)


@transaction.atomic
def open_period(person, *, actor, kind, start, end=None, case=None, declaration=None):
    """The person's active period from `start` to `end` (default: the
    monitoring days from settings). A person has one active period: when one
    is open already it is extended to the later end (and takes the new kind),
    instead of failing."""
    from vigil.people.models import Person

    end = end or default_end(start)
    if end < start:
        raise ValidationError({"end": _("The end date is before the start date.")})
    # The person's row serialises two decisions opening a period at once.
    Person.objects.select_for_update().get(pk=person.pk)
    current = MonitoringPeriod.objects.select_for_update().filter(person=person).active().first()
    if current is None:
        period = MonitoringPeriod.objects.create(
            person=person,
            kind=kind,
            start=start,
            end=end,
            case=case,
            declaration=declaration,
            created_by=_user(actor),
        )
        _case_event(period, actor, "monitoring_open", after=_dates(period))
        log(actor, Action.CREATE, period, detail=_dates(period))
        return period
    before = _dates(current)
    current.kind = kind
    current.start = min(current.start, start)
    current.end = max(current.end, end)
    current.case = current.case or case
    current.declaration = declaration or current.declaration
    current.version += 1
    current.save()
    _case_event(current, actor, "monitoring_extend", before, _dates(current))
    log(actor, Action.CHANGE, current, detail={"from": before, "to": _dates(current)})
    return current


def open_for_contact(case, *, actor):
    """A contact followed at home: from the latest contact with its sources (or today)."""
    latest = case.source_links.aggregate(last=Max("contact_date"))["last"]
    start = latest or timezone.localdate()
    return open_period(
        case.person, actor=actor, kind=MonitoringKind.CONTACT, start=start, case=case
    )


def _decided_now(declaration, action):
    """CDC's decision, or a verifier's override of it (the override is the
    last event of a "verify_returned" transition)."""
    if action in DECISION_ACTIONS:
        return True
    if action == "verify_returned":
        last = declaration.events.order_by("-id").values_list("action", flat=True).first()
        return last == "surveillance_override"
    return False


def on_declaration_transition(declaration, action, actor):
    """After a declaration's transition: a decision of home quarantine or
    monitoring opens (or extends) the person's monitoring period."""
    if not _decided_now(declaration, action):
        return None
    if declaration.surveillance not in FOLLOWED_AT_HOME:
        return None
    start = declaration.surveillance_start or declaration.arrival_date
    end = declaration.surveillance_end or default_end(start)
    return open_period(
        declaration.person,
        actor=actor,
        kind=declaration.surveillance,
        start=start,
        end=max(end, start),
        declaration=declaration,
    )


def _lock(period, version):
    current = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
    if version is not None and current.version != version:
        raise StalePeriod(current)
    return current


@transaction.atomic
def close_period(period, *, actor, version, status, note=""):
    """End the period: completed, or lost to follow-up (a note says why)."""
    if status not in (MonitoringStatus.COMPLETED, MonitoringStatus.LOST):
        raise ValidationError({"status": _("Choose completed or lost to follow-up.")})
    if status == MonitoringStatus.LOST and not (note or "").strip():
        raise ValidationError({"note": _("Say why the person was lost to follow-up.")})
    current = _lock(period, version)
    if current.status != MonitoringStatus.ACTIVE:
        raise ValidationError({"status": _("This monitoring period is closed already.")})
    current.status = status
    current.closed_at = timezone.now()
    current.closed_by = _user(actor)
    current.version += 1
    current.save()
    detail = {"status": status, "note": (note or "").strip()}
    _case_event(current, actor, "monitoring_close", after=detail, note=detail["note"])
    log(actor, Action.CHANGE, current, detail=detail)
    return current


# Checks --------------------------------------------------------------------


def _temperature(value, errors):
    if value in (None, ""):
        return None
    try:
        temp = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        errors["temperature"] = _("Enter a temperature such as 36.8.")
        return None
    low, high = TEMPERATURE_RANGE
    if not low <= temp <= high:
        errors["temperature"] = _("The temperature must be between 34.0 and 43.0 °C.")
    return temp


def _check_values(current, day, temperature, symptoms, note):
    errors = {}
    temp = _temperature(temperature, errors)
    if current.status != MonitoringStatus.ACTIVE:
        errors["__all__"] = _("This monitoring period is closed: no more checks.")
    if not day:
        errors["date"] = _("Enter the date.")
    elif not current.start <= day <= current.end:
        errors["date"] = _("The date is outside the monitoring period (%(start)s – %(end)s).") % {
            "start": current.start.strftime("%d/%m/%Y"),
            "end": current.end.strftime("%d/%m/%Y"),
        }
    elif day > timezone.localdate():
        errors["date"] = _("The date cannot be in the future.")
    unknown = set(symptoms or {}) - set(MonitoringCheck.SYMPTOMS)
    if unknown:
        errors["__all__"] = _("Unknown symptom: %(names)s.") % {"names": ", ".join(sorted(unknown))}
    if errors:
        raise ValidationError(errors)
    values = {k: bool((symptoms or {}).get(k)) for k in MonitoringCheck.SYMPTOMS}
    return {"temperature": temp, "note": (note or "").strip()[:300], **values}


def check_data(check):
    return {
        "date": check.date.isoformat(),
        "temperature": str(check.temperature) if check.temperature is not None else None,
        **{k: getattr(check, k) for k in MonitoringCheck.SYMPTOMS if getattr(check, k)},
        "note": check.note,
    }


def is_symptomatic(check):
    return check.symptomatic or (check.temperature is not None and check.temperature >= FEVER)


@transaction.atomic
def record_check(period, *, actor, version=None, date, temperature=None, symptoms=None, note=""):
    """The day's check. A second check of the same day changes the first one,
    only with the period's `version` as read (else StalePeriod). A symptomatic
    check sends the person to CDC's triage queue (`_to_triage`)."""
    current = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
    values = _check_values(current, date, temperature, symptoms, note)
    existing = current.checks.filter(date=date).first()
    if existing is not None and (version is None or version != current.version):
        raise StalePeriod(current)
    if existing is None:
        check = MonitoringCheck(period=current, date=date)
        before = {}
    else:
        check, before = existing, check_data(existing)
    for name, value in values.items():
        setattr(check, name, value)
    check.checked_by = _user(actor)
    check.checked_at = timezone.now()
    check.save()
    current.version += 1
    current.save(update_fields=["version"])
    after = check_data(check)
    _case_event(current, actor, "monitoring_check", before, after)
    log(actor, Action.CHANGE if before else Action.CREATE, current, detail={"check": after})
    if is_symptomatic(check):
        _to_triage(current, check, actor)
    return check


def _to_triage(period, check, actor):
    """The person's latest declaration back to CDC's queue (medical state
    "pending"). Someone with no declaration stays flagged on the check itself:
    `symptomatic_without_declaration(user)` lists them for CDC."""
    from vigil.declarations.models import Declaration, MedicalState
    from vigil.declarations.transitions import TransitionRefused, transition

    declaration = (
        Declaration.objects.filter(person_id=period.person_id)
        .order_by("-created_at", "-id")
        .first()
    )
    if declaration is None or declaration.medical_state == MedicalState.PENDING:
        return None
    note = _("Monitoring check of %(date)s: symptoms or fever.") % {
        "date": check.date.strftime("%d/%m/%Y")
    }
    try:
        return transition(
            declaration,
            actor=actor,
            version=None,
            action="monitoring_symptoms",
            state_field="medical_state",
            allowed_from=[s for s in MedicalState.values if s != MedicalState.PENDING],
            to_state=MedicalState.PENDING,
            note=note,
            data={"monitoring_period": period.pk, "check_date": check.date.isoformat()},
        )
    except TransitionRefused:
        return None


# Queries -------------------------------------------------------------------


def periods_for(user):
    return MonitoringPeriod.objects.visible_to(user).select_related("person__area__parent", "case")


def _checked_since(day):
    return MonitoringCheck.objects.filter(period=OuterRef("pk"), date__gte=day)


def due_today(user, today=None):
    """Active periods covering today with no check recorded today."""
    today = today or timezone.localdate()
    return (
        periods_for(user)
        .active()
        .filter(start__lte=today, end__gte=today)
        .exclude(Exists(_checked_since(today).filter(date=today)))
    )


def missed(user, days=2, today=None):
    """Active periods with no check on any of the last `days` days (today
    included), counted from the start: a period that began yesterday has not
    missed two days yet."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days - 1)
    return (
        periods_for(user).active().filter(start__lte=since).exclude(Exists(_checked_since(since)))
    )


def ended(user):
    return periods_for(user).exclude(status=MonitoringStatus.ACTIVE)


def symptomatic_without_declaration(user):
    """People with a symptomatic check and no declaration to send to triage."""
    from vigil.declarations.models import Declaration

    has_declaration = Declaration.objects.filter(person_id=OuterRef("person_id"))
    symptomatic = MonitoringCheck.objects.filter(period=OuterRef("pk")).filter(
        Q(temperature__gte=FEVER) | _any_symptom()
    )
    return periods_for(user).active().filter(Exists(symptomatic)).exclude(Exists(has_declaration))


def _any_symptom():
    q = Q()
    for name in MonitoringCheck.SYMPTOMS:
        q |= Q(**{name: True})
    return q


def tab(user, name, today=None):
    """The periods of a tab of the list ("due" when `name` is unknown)."""
    queries = {
        "due": lambda: due_today(user, today),
        "missed": lambda: missed(user, today=today),
        "active": lambda: periods_for(user).active(),
        "ended": lambda: ended(user),
    }
    return queries.get(name, queries["due"])()


def count_due(user):
    """The menu's count: people due a check today in the user's scope."""
    return due_today(user).count()
