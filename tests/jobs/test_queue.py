"""Jobs go through the real task queue: a row for the job, a queued task in
the database, run later by the worker (so they survive a web restart)."""

import pytest
from django_tasks_db.models import DBTaskResult

from vigil.jobs import services as jobs
from vigil.jobs.models import Job
from vigil.triage import services as triage
from vigil.triage.models import RiskRule

from ..triage.test_reevaluation_race import declare


def test_a_reevaluation_is_queued_and_run_by_the_worker(places, cdc, db_queue, run_worker):
    declarations = [declare(places, sym_fatigue=1) for _ in range(2)]
    RiskRule.objects.create(label="Mệt mỏi", facts=["sym_fatigue"], weight=0, min_level=2)
    job = triage.start_reevaluation(cdc)
    assert (job.state, job.kind, job.created_by) == (Job.State.QUEUED, "reevaluate_risk", cdc)
    task = DBTaskResult.objects.get(pk=job.task_id)
    assert task.status == "READY" and task.task_path == "vigil.triage.services.reevaluate_task"
    assert task.args_kwargs["args"] == [job.pk]
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.risk_colour == "green"  # nothing ran yet

    run_worker()

    job.refresh_from_db()
    assert (job.state, job.total, job.done, job.percent) == (Job.State.DONE, 2, 2, 100)
    assert job.started_at and job.finished_at and job.heartbeat_at
    assert job.created_at <= job.started_at <= job.finished_at
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.risk_colour == "orange"
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def test_a_job_already_run_is_not_run_again(places, cdc):
    job = jobs.create("test", cdc)
    calls = []
    jobs.run(job.pk, lambda j: calls.append(j.pk))
    jobs.run(job.pk, lambda j: calls.append(j.pk))  # the same task delivered twice
    assert calls == [job.pk]
    job.refresh_from_db()
    assert job.state == Job.State.DONE


def test_a_failing_job_records_its_error_and_its_task_fails(places, cdc, db_queue, run_worker,
                                                           monkeypatch):  # fmt: skip
    def broken(job):
        jobs.progress(job.pk, 1, total=10)
        raise RuntimeError("the rules table is locked")

    monkeypatch.setattr(triage, "_reevaluate", broken)
    job = triage.start_reevaluation(cdc)
    run_worker()
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.FAILED, 1, 10)
    assert job.error == "the rules table is locked" and job.finished_at
    assert DBTaskResult.objects.get(pk=job.task_id).status == "FAILED"


def test_progress_beats_the_heart(places, cdc):
    job = jobs.create("test", cdc, state=Job.State.RUNNING)
    assert job.heartbeat_at is None
    jobs.progress(job.pk, 5, total=8)
    job.refresh_from_db()
    assert (job.done, job.total) == (5, 8) and job.heartbeat_at is not None


@pytest.mark.parametrize("state", [Job.State.QUEUED, Job.State.RUNNING])
def test_percent_never_passes_100(state):
    assert Job(state=state, total=3, done=5).percent == 100
    assert Job(state=state, total=0, done=0).percent == 100
    assert Job(state=state, total=200, done=50).percent == 25


CHORES = []


def chore(*args):
    CHORES.append(args)


def test_a_chore_without_a_job_row_goes_through_the_queue_too(db, db_queue, run_worker):
    from vigil.core.jobs import run_in_background

    CHORES.clear()
    run_in_background(chore, 1, "two")
    task = DBTaskResult.objects.get()
    assert task.task_path == "vigil.core.jobs.call" and CHORES == []
    run_worker()
    assert CHORES == [(1, "two")]
