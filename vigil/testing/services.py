"""Recording test results (R-T2): one or many rows per person, a batch sampled
together under one group code, and a lab's result sheet matched by test ID."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.people.locks import lock_people

from .models import TestOutcome, TestResult, TestType

FIELDS = ("sampling_unit", "batch_code", "test_id", "sample_date", "test_date", "test_type",
          "result", "checkpoint")  # fmt: skip


def check_row(row):
    """Raise ValidationError (per field) for a result row that cannot be right."""
    today = timezone.localdate()
    errors = {}
    sample, tested = row.get("sample_date"), row.get("test_date")
    if not isinstance(sample, datetime.date):
        errors["sample_date"] = _("Enter the sample date.")
    elif sample > today:
        errors["sample_date"] = _("The sample date cannot be in the future.")
    if tested is not None:
        if tested > today:
            errors["test_date"] = _("The test date cannot be in the future.")
        elif isinstance(sample, datetime.date) and tested < sample:
            errors["test_date"] = _("The test date is before the sample date.")
    if row.get("test_type") not in TestType.values:
        errors["test_type"] = _("Choose the test type.")
    if row.get("result", TestOutcome.PENDING) not in TestOutcome.values:
        errors["result"] = _("Choose the result.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_results(actor, person, rows):
    """Add result rows for one person; all or nothing."""
    for row in rows:
        check_row(row)
    created = [
        TestResult.objects.create(person=person, created_by=actor, **_fields(row)) for row in rows
    ]
    for result in created:
        log(
            actor, Action.CREATE, result, detail={"type": result.test_type, "result": result.result}
        )
    return created


@transaction.atomic
def add_batch(actor, people, row):
    """The same sample (group code, dates, type, result) for many people sampled together."""
    check_row(row)
    if not (row.get("batch_code") or "").strip():
        raise ValidationError({"batch_code": _("Enter the group code of the batch.")})
    # The rows are written one statement each: lock their people first, in
    # one order (vigil.reports.tally), or two batches could deadlock.
    lock_people([person.pk for person in people], tests=True)
    results = [
        TestResult.objects.create(person=person, created_by=actor, **_fields(row))
        for person in people
    ]
    log(
        actor,
        Action.CREATE,
        None,
        object_repr=f"batch {row['batch_code']}",
        detail={"batch": row["batch_code"], "people": [p.pk for p in people]},
    )
    return results


@transaction.atomic
def apply_lab_results(actor, queryset, results):
    """Set results from a lab sheet: {test ID: (result, test date)}.

    Only rows of `queryset` (the caller's scope) are touched. Returns
    (updated, unknown test IDs).
    """
    by_id = {}
    # A pooled sample shares one test ID across the people of its batch.
    for row in queryset.filter(test_id__in=list(results)).select_for_update():
        by_id.setdefault(row.test_id, []).append(row)
    unknown = sorted(set(results) - set(by_id))
    updated = 0
    for test_id, (outcome, test_date) in results.items():
        for row in by_id.get(test_id, ()):
            check_row({
                "sample_date": row.sample_date, "test_date": test_date,
                "test_type": row.test_type, "result": outcome,
            })  # fmt: skip
            row.result, row.test_date, row.version = outcome, test_date, row.version + 1
            row.save(update_fields=["result", "test_date", "version"])
            log(actor, Action.CHANGE, row, detail={"result": outcome, "via": "lab sheet"})
            updated += 1
    return updated, unknown


def _fields(row):
    return {f: row[f] for f in FIELDS if row.get(f) not in (None,)}


# "Dương tính, chưa mở ca bệnh": a positive result acted on ------------------------

NOTE_MAX = 1000


class AlreadyHandled(Exception):
    """Nothing positive is waiting for this person any more (a double submit)."""


class StaleItem(Exception):
    """The person's waiting positive results changed since they were read
    (a new one came in): `current` is the version to send after a new look."""

    def __init__(self, current):
        super().__init__(current)
        self.current = current


def already_handled_message():
    return _("Someone recorded this already: nothing is waiting.")


def stale_item_message():
    return _("A new positive result came in while this was open: look at it, then record again.")


def item_version(results):
    """The version of a worklist item: its waiting positive results and their
    versions ("id:version,..."), as the page or the API read them."""
    return ",".join(f"{r.pk}:{r.version}" for r in sorted(results, key=lambda r: r.pk))


@transaction.atomic
def record_positive_handled(actor, person, *, version, note):
    """ "Ghi nhận đã xử lý": CDC records what was done about a person's positive
    results (until the investigation module opens an F0 case instead).

    Every waiting positive result of the person in the actor's jurisdiction is
    marked handled, by whom, when, with the note; the audit log keeps it. The
    results are locked and compared with `version` (`item_version`): a double
    submit finds nothing waiting (AlreadyHandled), a positive that came in
    meanwhile makes the version stale (StaleItem) so that nobody closes a
    result they have not seen. Returns the results handled.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {"note": _("Say what was done, e.g. “referred to the provincial hospital”.")}
        )
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(max)d characters.") % {"max": NOTE_MAX}})
    # Only test rows are locked: their person does not change, so the tally's
    # trigger takes no person lock (vigil/reports/tally.py, "people last").
    waiting = list(
        TestResult.objects.visible_to(actor)
        .positive_without_case()
        .filter(person=person)
        .select_for_update()
        .order_by("pk")
    )
    if not waiting:
        raise AlreadyHandled
    current = item_version(waiting)
    if version != current:
        raise StaleItem(current)
    now = timezone.now()
    ids = [r.pk for r in waiting]
    TestResult.objects.filter(pk__in=ids).update(
        handled_at=now, handled_by=actor, handled_note=note, version=F("version") + 1
    )
    log(
        actor,
        Action.CHANGE,
        person,
        detail={"action": "positive_handled", "note": note, "results": ids},
    )
    return list(TestResult.objects.filter(pk__in=ids).order_by("pk"))
