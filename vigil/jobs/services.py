"""Starting, running and recovering background jobs.

A domain app creates a `Job` row (`create`), and either runs it at once
(`run`, e.g. a small export) or queues its django-tasks task (`enqueue`), a
module-level `@task` that calls `run(job_id, work)`. `run` is the lifecycle:
it claims a queued job (a job already claimed, done or failed is not run
again, so a task run twice does no harm), calls `work(job)` and records the
outcome. `work` reports progress with `progress(job_id, done)`, which is also
the heartbeat: a running job whose heartbeat is older than
VIGIL_JOB_STALE_SECONDS lost its worker and is marked failed by
`recover_stale`.
"""

import datetime
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import STALE_ERROR, Job

logger = logging.getLogger("vigil.jobs")


class Refused(Exception):
    """Raised by `work` when its input turns out wrong (not a crash): the job
    fails with `message` (and `fields`, e.g. a `result` listing what is wrong)
    and `run` returns normally."""

    def __init__(self, message, **fields):
        super().__init__(message)
        self.message = message
        self.fields = fields


def create(kind, user, **fields):
    return Job.objects.create(kind=kind, created_by=user, **fields)


def enqueue(job, task):
    """Queue `task(job.pk)`. In the database backend the task is a row written
    in the current transaction, so it is queued only if the transaction commits
    (and survives a restart of the web server); tests run it at once."""
    result = task.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    return job


def run(job_id, work):
    """Claim the queued job `job_id`, run `work(job)` and record the outcome.

    `work` may return a dict of fields to save with the "done" state. An
    exception marks the job failed with its message and is raised again (the
    task's own result records the traceback); `Refused` marks it failed and
    is not raised."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        logger.warning("job %s is not queued (any more); not run again", job_id)
        return
    job = Job.objects.select_related("created_by").get(pk=job_id)
    try:
        fields = work(job) or {}
    except Refused as exc:
        fail(job_id, str(exc.message), **exc.fields)
        return
    except Exception as exc:
        fail(job_id, str(exc) or type(exc).__name__)
        raise
    now = timezone.now()
    Job.objects.filter(pk=job_id, state=Job.State.RUNNING).update(
        state=Job.State.DONE, finished_at=now, heartbeat_at=now, **fields
    )


def progress(job_id, done, **fields):
    """Record progress; this is also the running job's heartbeat."""
    Job.objects.filter(pk=job_id).update(done=done, heartbeat_at=timezone.now(), **fields)


def fail(job_id, error, **fields):
    now = timezone.now()
    Job.objects.filter(pk=job_id).exclude(state=Job.State.DONE).update(
        state=Job.State.FAILED, error=error[:2000], finished_at=now, **fields
    )


def _stale(now):
    """Running jobs whose last sign of life is older than the setting."""
    cutoff = now - datetime.timedelta(seconds=settings.VIGIL_JOB_STALE_SECONDS)
    silent = Q(heartbeat_at__isnull=True)
    return Job.objects.filter(state=Job.State.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff)
        | silent & Q(started_at__lt=cutoff)
        | silent & Q(started_at__isnull=True, created_at__lt=cutoff)
    )


def recover_stale(now=None):
    """Mark failed every running job whose worker stopped (no heartbeat for
    VIGIL_JOB_STALE_SECONDS); returns how many. Run at worker start, by
    `manage.py recover_jobs` on a timer, and when a page reads such a job."""
    now = now or timezone.now()
    count = _stale(now).update(state=Job.State.FAILED, error=STALE_ERROR, finished_at=now)
    if count:
        logger.warning("marked %s stale job(s) failed", count)
    return count


def own_job(user, job_id, **kinds):
    """The job `job_id` of `user` (jobs are personal: their owner is their
    scope), as it is now; Http404 for anyone else's or an unknown one.
    `kinds` narrows it further (e.g. kind="reevaluate_risk")."""
    from django.http import Http404

    found = Job.objects.filter(pk=job_id, created_by=user, **kinds).first()
    if found is None:
        raise Http404
    return fresh(found)


def fresh(job):
    """`job` as it is, after failing it if its worker stopped."""
    if job.state == Job.State.RUNNING:
        now = timezone.now()
        stale = _stale(now).filter(pk=job.pk)
        if stale.update(state=Job.State.FAILED, error=STALE_ERROR, finished_at=now):
            job.refresh_from_db()
    return job
