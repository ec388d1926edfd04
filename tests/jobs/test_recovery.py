"""A job whose worker stopped does not stay "running" forever."""

import datetime

from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import override

from vigil.jobs import services as jobs
from vigil.jobs.models import STALE_ERROR, Job

AGO = datetime.timedelta


def running(user, beat_ago=None, started_ago=None, **fields):
    now = timezone.now()
    return jobs.create(
        "reevaluate_risk",
        user,
        state=Job.State.RUNNING,
        heartbeat_at=None if beat_ago is None else now - beat_ago,
        started_at=None if started_ago is None else now - started_ago,
        **fields,
    )


def states(*rows):
    return [Job.objects.get(pk=row.pk).state for row in rows]


def test_the_recovery_command_fails_the_jobs_whose_heartbeat_stopped(cdc, settings):
    settings.VIGIL_JOB_STALE_SECONDS = 300
    lost = running(cdc, beat_ago=AGO(minutes=6))
    never_beat = running(cdc, started_ago=AGO(minutes=10))
    alive = running(cdc, beat_ago=AGO(minutes=4))
    queued = jobs.create("reevaluate_risk", cdc, created_at=timezone.now() - AGO(days=1))
    call_command("recover_jobs", verbosity=0)
    assert states(lost, never_beat, alive, queued) == ["failed", "failed", "running", "queued"]
    lost.refresh_from_db()
    assert lost.error == STALE_ERROR and lost.finished_at is not None
    with override("en"):
        assert lost.error_message == "The worker stopped while running this job; start it again."
    with override("vi"):
        assert lost.error_message != STALE_ERROR  # translated


def test_the_worker_recovers_stale_jobs_when_it_starts(cdc, db_queue, run_worker):
    lost = running(cdc, beat_ago=AGO(hours=1))
    run_worker()
    assert states(lost) == ["failed"]


def test_a_page_reading_a_stale_job_shows_it_failed(client, cdc):
    lost = running(cdc, beat_ago=AGO(hours=1), total=10, done=4)
    client.force_login(cdc)
    body = client.get(f"/jobs/{lost.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-state="failed"' in body and 'id="job-error"' in body
    assert "hx-trigger" not in body


def test_a_done_job_is_never_failed_afterwards(cdc):
    job = jobs.create("test", cdc)
    jobs.run(job.pk, lambda j: None)
    jobs.fail(job.pk, "late")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - AGO(days=1))
    jobs.recover_stale()
    assert states(job) == ["done"]
