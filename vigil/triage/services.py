"""CDC medical verification (R-M3) and the maintenance of the risk rules (R-M1)."""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_tasks import task

from vigil.declarations import questions
from vigil.declarations.models import Declaration, MedicalState, Surveillance
from vigil.declarations.transitions import apply_reassessments, transition
from vigil.jobs import services as jobs

from .engine import Ruleset, apply, provided_facts

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
    """Re-evaluate every open declaration against the current rules, in chunks
    (the job `job_id`, queued; a job already run is not run again).

    Results go through `transitions.apply_reassessments`, which writes a row
    only if it is still as it was read (same version, not verified by CDC
    meanwhile), with an event per changed declaration. Rows changed by
    someone while the chunk was evaluated are read and evaluated again (a few
    times at most; a row CDC verified meanwhile drops out).
    """
    jobs.run(job_id, _reevaluate)


@task()
def reevaluate_task(job_id):
    """The queued form of `reevaluate`, run by the worker."""
    reevaluate(job_id)


def _reevaluate(job):
    ruleset = Ruleset.load()
    ids = list(open_declarations().order_by("pk").values_list("pk", flat=True))
    jobs.progress(job.pk, 0, total=len(ids))
    for n in range(0, len(ids), CHUNK):
        todo = ids[n : n + CHUNK]
        for _attempt in range(RETRIES):
            todo = _reevaluate_chunk(ruleset, todo, actor=job.created_by, job_id=job.pk)
            if not todo:
                break
        jobs.progress(job.pk, min(n + CHUNK, len(ids)))


RETRIES = 5


def _reevaluate_chunk(ruleset, pks, *, actor, job_id):
    """Evaluate and write one chunk; returns the pks to try again."""
    chunk = [_row(values) for values in open_declarations().filter(pk__in=pks).values(*ROW_FIELDS)]
    extra = provided_facts(chunk)
    changed = []
    for declaration in chunk:
        before = _risk_fields(declaration)
        colour_read = declaration.risk_colour
        apply(declaration, ruleset.evaluate(declaration, extra.get(declaration.pk, ())))
        after = _risk_fields(declaration)
        if after != before:
            changed.append((declaration.pk, declaration.version, *after, colour_read))
    written = apply_reassessments(changed, actor=actor, job_id=job_id)
    return [row[0] for row in changed if row[0] not in written]


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
    "version",
    *questions.KEYS,
]


def _row(values):
    row = SimpleNamespace(**{k: v for k, v in values.items() if "__" not in k})
    path = values["departure_unit__path"]
    row.departure_unit = SimpleNamespace(path=path) if path else None
    row.person = SimpleNamespace(birth_year=values["person__birth_year"])
    return row


def _risk_fields(d):
    return (d.risk_level, d.risk_colour, d.risk_score, tuple(d.risk_reasons), d.medical_state)


REEVALUATE = "reevaluate_risk"


def start_reevaluation(actor):
    """Queue a re-evaluation after the rules or epidemic areas changed."""
    job = jobs.create(REEVALUATE, actor)
    return jobs.enqueue(job, reevaluate_task)
