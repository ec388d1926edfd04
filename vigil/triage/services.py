"""CDC medical verification (R-M3) and the maintenance of the risk rules (R-M1)."""

import json
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.jobs import run_in_background
from vigil.declarations import questions
from vigil.declarations.models import Declaration, MedicalState, Surveillance
from vigil.declarations.transitions import transition

from .engine import Ruleset, apply, provided_facts
from .models import Job

CHUNK = 2000


def medical_verify(
    declaration, *, actor, version, symptoms_confirmed, surveillance, start, end, note=""
):
    """Record CDC's result: symptoms confirmed or not, and the surveillance decided."""
    errors = {}
    if surveillance not in Surveillance.values:
        errors["surveillance"] = _("Choose a surveillance type.")
    if surveillance != Surveillance.NONE and not start:
        errors["surveillance_start"] = _("Enter the start date.")
    if start and end and end < start:
        errors["surveillance_end"] = _("The end date is before the start date.")
    if errors:
        raise ValidationError(errors)
    return transition(
        declaration,
        actor=actor,
        version=version,
        action="medical_verify",
        state_field="medical_state",
        allowed_from=(MedicalState.PENDING, MedicalState.NOT_FLAGGED),
        to_state=MedicalState.VERIFIED,
        changes={
            "surveillance": surveillance,
            "surveillance_start": start,
            "surveillance_end": end,
        },
        note=note,
        data={"symptoms_confirmed": bool(symptoms_confirmed), "surveillance": surveillance},
    )


def open_declarations():
    """Declarations whose risk still matters: not yet medically verified."""
    return Declaration.objects.exclude(medical_state=MedicalState.VERIFIED)


def reevaluate(job_id):
    """Re-evaluate every open declaration against the current rules, in chunks.

    Results are written with one UPDATE ... FROM (VALUES ...) per chunk on
    PostgreSQL (one per distinct result elsewhere): bulk_update's CASE per row
    made 100,000 declarations take minutes.
    """
    ruleset = Ruleset.load()
    ids = list(open_declarations().order_by("pk").values_list("pk", flat=True))
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, total=len(ids))
    try:
        for n in range(0, len(ids), CHUNK):
            chunk = [
                _row(values)
                for values in Declaration.objects.filter(pk__in=ids[n : n + CHUNK]).values(
                    *ROW_FIELDS
                )
            ]
            extra = provided_facts(chunk)
            changed = []
            for declaration in chunk:
                before = _risk_fields(declaration)
                apply(declaration, ruleset.evaluate(declaration, extra.get(declaration.pk, ())))
                after = _risk_fields(declaration)
                if after != before:
                    changed.append((declaration.pk, *after))
            _write(changed)
            Job.objects.filter(pk=job_id).update(done=min(n + CHUNK, len(ids)))
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job_id).update(state=Job.State.DONE, finished_at=timezone.now())


# What the engine reads of a declaration. Plain rows instead of model instances:
# building 100,000 full Declaration objects with their joins took most of the
# job's time.
ROW_FIELDS = [
    "pk",
    "arrival_date",
    "departure_unit__path",
    "person__birth_year",
    "risk_level",
    "risk_colour",
    "risk_score",
    "risk_reasons",
    "medical_state",
    *questions.KEYS,
]


def _row(values):
    row = SimpleNamespace(**{k: v for k, v in values.items() if "__" not in k})
    path = values["departure_unit__path"]
    row.departure_unit = SimpleNamespace(path=path) if path else None
    row.person = SimpleNamespace(birth_year=values["person__birth_year"])
    return row


def _write(rows):
    """Store (pk, level, colour, score, reasons, medical state) rows."""
    if not rows:
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One statement for the whole chunk.
            table = Declaration._meta.db_table
            values = ", ".join(["(%s, %s, %s, %s, %s::jsonb, %s)"] * len(rows))
            params = [
                v
                for pk, level, colour, score, reasons, medical in rows
                for v in (pk, level, colour, score, json.dumps(list(reasons)), medical)
            ]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} AS d SET risk_level = v.level, risk_colour = v.colour, "  # noqa: S608
                    "risk_score = v.score, risk_reasons = v.reasons, medical_state = v.medical "
                    f"FROM (VALUES {values}) AS v(id, level, colour, score, reasons, medical) "
                    "WHERE d.id = v.id",
                    params,
                )
            return
        groups = {}
        for pk, *result in rows:
            groups.setdefault(tuple(result), []).append(pk)
        for (level, colour, score, reasons, medical), pks in groups.items():
            Declaration.objects.filter(pk__in=pks).update(
                risk_level=level,
                risk_colour=colour,
                risk_score=score,
                risk_reasons=list(reasons),
                medical_state=medical,
            )


def _risk_fields(d):
    return (d.risk_level, d.risk_colour, d.risk_score, tuple(d.risk_reasons), d.medical_state)


def start_reevaluation(actor):
    """Queue a re-evaluation after the rules or epidemic areas changed."""
    job = Job.objects.create(kind="reevaluate_risk", created_by=actor)
    run_in_background(reevaluate, job.pk)
    return job
