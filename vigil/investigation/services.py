"""Recording cases and contacts (R-E1): the one way a case record changes.

Every change locks the record (and, when the chain moves, the chain: see
`chain.lock`), checks the version the user read, writes a CaseEvent and an
audit row, and re-derives the levels below it in the same transaction.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.core.scope import in_scope

from . import chain, monitoring
from .models import Case, CaseEvent, CaseKind, CaseLink, QuarantinePlace

CASE_FIELDS = (
    "code",
    "classification",
    "contact_type",
    "onset_date",
    "confirmed_on",
    "residence",
    "residence_street",
    "detection",
    "investigation_date",
    "quarantine_date",
    "quarantine_place",
    "facility",
    "outbreak",
)
NOT_IN_FUTURE = ("onset_date", "confirmed_on", "investigation_date")


class StaleCase(Exception):
    """The record changed since the form was read; `current` is it now."""

    def __init__(self, current):
        super().__init__("stale case")
        self.current = current


def stale_message(case=None):
    """'This case record was changed by X at HH:MM ...': the newest event of
    `case` (a change of level moved by the chain names the one who confirmed
    the source), or the bare message when there is none."""
    event = case.events.select_related("actor").order_by("-at", "-id").first() if case else None
    if event is None:
        return _(
            "This case record was changed by someone else since you opened it (for example "
            "its level moved with the chain). Review it and save again."
        )
    actor = event.actor
    who = (actor.full_name or actor.username) if actor else _("another user")
    return _(
        "This case record was changed by %(who)s at %(time)s since you opened it (for "
        "example its level moved with the chain). Review it and save again."
    ) % {"who": who, "time": date_format(localtime(event.at), "H:i")}


# Validation ------------------------------------------------------------------


def _clean(actor, kind, values, *, case=None):
    """The errors of a case record with `values` (a dict of CASE_FIELDS)."""
    errors = {}
    if kind not in CaseKind.values:
        errors["kind"] = _("Choose the case type.")
    code = values.get("code") or ""
    if kind == CaseKind.CONFIRMED and not code:
        errors["code"] = _("A confirmed case needs its case code (e.g. BN1981).")
    elif (
        code
        and Case.objects.filter(code__iexact=code).exclude(pk=getattr(case, "pk", None)).exists()
    ):
        errors["code"] = _("Case code %(code)s is already used by another record.") % {"code": code}
    if kind == CaseKind.CONTACT and not values.get("contact_type"):
        errors["contact_type"] = _("Choose the contact type.")
    for field in ("residence", "detection"):
        if values.get(field) is None:
            errors[field] = _("Choose the commune.")
    places = [values.get("residence"), values.get("detection")]
    if not errors.get("detection") and not any(p and in_scope(actor, p.path) for p in places):
        errors["detection"] = _(
            "The place of detection or the residence must be in your area: "
            "otherwise you could not see the record you create."
        )
    today = timezone.localdate()
    for field in NOT_IN_FUTURE:
        if values.get(field) and values[field] > today:
            errors[field] = _("This date is in the future.")
    _clean_quarantine(values, errors)
    if errors:
        raise ValidationError(errors)


def _clean_quarantine(values, errors):
    place, facility = values.get("quarantine_place") or "", values.get("facility")
    if facility is not None:
        if place == QuarantinePlace.HOME:
            errors["facility"] = _("Home quarantine has no facility.")
        elif place and facility.kind != place:
            errors["facility"] = _("This facility is not of the chosen type.")
        elif not facility.active:
            errors["facility"] = _("This facility is no longer in use.")


def _sources(case_pk, sources):
    """[(source, contact_date)] checked: no duplicates, no cycle."""
    chosen = {}
    for source, contact_date in sources:
        if source.pk == case_pk:
            raise ValidationError({"sources": _("A record cannot be its own source.")})
        chosen[source.pk] = (source, contact_date)
    if case_pk is not None and chain.would_cycle(case_pk, chosen):
        raise ValidationError(
            {
                "sources": _(
                    "This source is already below this record in the chain: the link "
                    "would make a cycle. Nothing was saved."
                )
            }
        )
    return chosen


def _shown(value):
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


# Writes ------------------------------------------------------------------------


def _event(case, actor, action, before=None, after=None, note=""):
    CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_data=before or {},
        to_data=after or {},
        note=note,
    )


def _save_new(case):
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        raise ValidationError(
            {"code": _("This case code or this person's record was recorded meanwhile.")}
        ) from None


@transaction.atomic
def create_case(actor, *, person, kind, fields, sources=()):
    """A new case record for `person` (who has none yet); `sources` are
    (source case, last contact date) pairs. Returns the record, its level
    derived."""
    values = {f: fields.get(f) for f in CASE_FIELDS}
    values["code"] = (values["code"] or "").strip().upper()
    _clean(actor, kind, values)
    if Case.objects.filter(person=person).exists():
        raise ValidationError({"person": _("This person already has a case record: open it.")})
    chain.lock()
    chosen = _sources(None, sources)
    case = Case(person=person, kind=kind, created_by=actor)
    for field, value in values.items():
        setattr(case, field, "" if value is None and field in _TEXT else value)
    _save_new(case)
    CaseLink.objects.bulk_create(
        CaseLink(contact=case, source=s, contact_date=d, created_by=actor)
        for s, d in chosen.values()
    )
    shown = {f: _shown(v) for f, v in values.items() if v not in (None, "")}
    shown["sources"] = sorted(str(s) for s, _d in chosen.values())
    _event(case, actor, "create", after={"kind": kind, **shown})
    log(actor, Action.CREATE, case, detail={"kind": kind, "sources": len(chosen)})
    chain.recompute({case.pk}, actor=actor)
    case.refresh_from_db()
    if case.kind == CaseKind.CONTACT and case.facility_id is None:
        monitoring.open_for_contact(case, actor=actor)
    return case


_TEXT = ("code", "classification", "contact_type", "residence_street", "quarantine_place")


def _locked(case, version):
    current = Case.objects.select_for_update().get(pk=case.pk)
    if current.version != version:
        raise StaleCase(current)
    return current


@transaction.atomic
def update_case(case, *, actor, version, fields, sources=None):
    """Change a record's fields and, when `sources` is given, its sources."""
    if sources is not None:
        chain.lock()
    current = _locked(case, version)
    values = {f: fields.get(f, getattr(current, f)) for f in CASE_FIELDS}
    values["code"] = (values["code"] or "").strip().upper()
    _clean(actor, current.kind, values, case=current)
    before, after = {}, {}
    for field, value in values.items():
        value = "" if value is None and field in _TEXT else value
        if getattr(current, field) != value:
            before[field], after[field] = _shown(getattr(current, field)), _shown(value)
            setattr(current, field, value)
    if sources is not None:
        _relink(current, actor, sources, before, after)
    if not before and not after:
        return current
    current.version += 1
    current.save()
    _event(current, actor, "change", before, after)
    log(actor, Action.CHANGE, current, detail={"fields": sorted(after)})
    if sources is not None:
        chain.recompute({current.pk}, actor=actor)
        current.refresh_from_db()
    return current


def _relink(current, actor, sources, before, after):
    chosen = _sources(current.pk, sources)
    links = {link.source_id: link for link in current.source_links.select_related("source")}
    gone = [pk for pk in links if pk not in chosen]
    if gone:
        CaseLink.objects.filter(contact=current, source_id__in=gone).delete()
    for pk, (source, contact_date) in chosen.items():
        link = links.get(pk)
        if link is None:
            CaseLink.objects.create(
                contact=current, source=source, contact_date=contact_date, created_by=actor
            )
        elif link.contact_date != contact_date:
            CaseLink.objects.filter(pk=link.pk).update(contact_date=contact_date)
    old = sorted(f"{link.source}:{_shown(link.contact_date)}" for link in links.values())
    new = sorted(f"{s}:{_shown(d)}" for s, d in chosen.values())
    if old != new:
        before["sources"], after["sources"] = old, new


@transaction.atomic
def delete_case(case, *, actor, version):
    """Delete a record nobody names as a source (the audit log keeps it)."""
    chain.lock()
    current = _locked(case, version)
    if current.contact_links.exists():
        raise ValidationError(
            _(
                "Other records name this case as their source. Change their sources first, "
                "so that no contact is left without its source by mistake."
            )
        )
    log(
        actor,
        Action.DELETE,
        current,
        detail={"kind": current.kind, "code": current.code, "level": current.level},
    )
    current.delete()


@transaction.atomic
def confirm_case(case, *, actor, version, code, confirmed_on, classification="", note=""):
    """A contact becomes a confirmed case (F0): every level below it moves up
    in this transaction (an F2 below it becomes F1, and so on)."""
    chain.lock()
    current = _locked(case, version)
    if current.kind == CaseKind.CONFIRMED:
        raise ValidationError(_("This record is already a confirmed case."))
    values = {f: getattr(current, f) for f in CASE_FIELDS}
    values.update(
        code=(code or "").strip().upper(),
        confirmed_on=confirmed_on or timezone.localdate(),
        classification=classification or current.classification,
    )
    _clean(actor, CaseKind.CONFIRMED, values, case=current)
    before = {"kind": current.kind, "level": current.level, "code": current.code}
    current.kind = CaseKind.CONFIRMED
    current.code = values["code"]
    current.confirmed_on = values["confirmed_on"]
    current.classification = values["classification"]
    current.version += 1
    current.save()
    after = {
        "kind": current.kind,
        "code": current.code,
        "confirmed_on": _shown(current.confirmed_on),
    }
    _event(current, actor, "confirm", before, after, note)
    log(actor, Action.CHANGE, current, detail={"action": "confirm", "code": current.code})
    moved = chain.recompute({current.pk}, actor=actor, note=_("%(code)s confirmed") % after)
    current.refresh_from_db()
    current.moved = moved
    return current


@transaction.atomic
def send_to_facility(case, *, actor, version, facility):
    """Put the person on `facility`'s "to take in" worklist (R-H1)."""
    current = _locked(case, version)
    if not facility.active:
        raise ValidationError({"facility": _("This facility is no longer in use.")})
    before = {"facility": _shown(current.facility), "quarantine_place": current.quarantine_place}
    current.facility = facility
    current.quarantine_place = facility.kind
    current.quarantine_date = current.quarantine_date or timezone.localdate()
    current.sent_to_facility_at = timezone.now()
    current.version += 1
    current.save()
    after = {"facility": str(facility), "quarantine_place": facility.kind}
    _event(current, actor, "send", before, after)
    log(actor, Action.CHANGE, current, detail={"action": "send", "facility": facility.pk})
    return current


@transaction.atomic
def acknowledge_reclassified(case, *, actor, version):
    """The commune acted on a level change: off the "reclassified" worklist."""
    current = _locked(case, version)
    if current.reclassified_at is None:
        return current
    current.reclassified_at = None
    current.version += 1
    current.save()
    _event(current, actor, "acknowledge", after={"level": current.level})
    log(actor, Action.CHANGE, current, detail={"action": "acknowledge_reclassified"})
    return current


# From a positive test -----------------------------------------------------------


def prefill_from_person(user, person):
    """What is known of `person` for a new F0 record: residence and place of
    detection from the person's commune, the first positive sample date, and
    the quarantine facility they are in."""
    from vigil.testing.models import TestOutcome, TestResult

    first = (
        TestResult.objects.visible_to(user)
        .filter(person=person, result=TestOutcome.POSITIVE)
        .order_by("sample_date")
        .values_list("sample_date", flat=True)
        .first()
    )
    stay = person.stays.filter(end_date__isnull=True).select_related("facility").first()
    values = {
        "residence": person.area,
        "residence_street": person.address,
        "detection": person.area,
        "confirmed_on": first,
        "investigation_date": timezone.localdate(),
    }
    if stay is not None:
        values.update(
            facility=stay.facility,
            quarantine_place=stay.facility.kind,
            quarantine_date=stay.start_date,
            classification="in_quarantine",
        )
    return values


@transaction.atomic
def open_case_from_positive(actor, person, *, fields):
    """ "Open F0 case" from a positive result: a new F0 record for the
    person, or their contact record confirmed; their waiting positive results
    are marked handled with the case code."""
    from vigil.testing import services as testing
    from vigil.testing.models import TestResult

    existing = Case.objects.filter(person=person).first()
    if existing is not None and existing.kind == CaseKind.CONFIRMED:
        raise ValidationError({"code": _("This person is already a confirmed case.")})
    if existing is not None:
        case = confirm_case(
            existing,
            actor=actor,
            version=existing.version,
            code=fields.get("code"),
            confirmed_on=fields.get("confirmed_on"),
            classification=fields.get("classification") or "",
        )
    else:
        case = create_case(actor, person=person, kind=CaseKind.CONFIRMED, fields=fields)
    waiting = list(
        TestResult.objects.visible_to(actor).positive_without_case().filter(person=person)
    )
    if waiting:
        testing.record_positive_handled(
            actor,
            person,
            version=testing.item_version(waiting),
            note=_("F0 case opened: %(code)s") % {"code": case.code},
        )
    return case
