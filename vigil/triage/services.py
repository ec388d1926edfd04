"""CDC medical verification (R-M3) and the maintenance of the risk rules (R-M1)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.jobs import run_in_background
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
    """Re-evaluate every open declaration against the current rules, in chunks."""
    job = Job.objects.get(pk=job_id)
    ruleset = Ruleset.load()
    ids = list(open_declarations().order_by("pk").values_list("pk", flat=True))
    Job.objects.filter(pk=job_id).update(state=Job.State.RUNNING, total=len(ids))
    fields = ["risk_level", "risk_colour", "risk_score", "risk_reasons", "medical_state"]
    try:
        for n in range(0, len(ids), CHUNK):
            chunk = list(
                Declaration.objects.filter(pk__in=ids[n : n + CHUNK]).select_related(
                    "person", "departure_unit"
                )
            )
            extra = provided_facts(chunk)
            changed = []
            for declaration in chunk:
                before = [getattr(declaration, f) for f in fields]
                apply(declaration, ruleset.evaluate(declaration, extra.get(declaration.pk, ())))
                if [getattr(declaration, f) for f in fields] != before:
                    changed.append(declaration)
            with transaction.atomic():
                Declaration.objects.bulk_update(changed, fields, batch_size=500)
            Job.objects.filter(pk=job_id).update(done=min(n + CHUNK, len(ids)))
    except Exception as exc:
        Job.objects.filter(pk=job_id).update(
            state=Job.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    Job.objects.filter(pk=job_id).update(state=Job.State.DONE, finished_at=timezone.now())
    return job


def start_reevaluation(actor):
    """Queue a re-evaluation after the rules or epidemic areas changed."""
    job = Job.objects.create(kind="reevaluate_risk", created_by=actor)
    run_in_background(reevaluate, job.pk)
    return job
