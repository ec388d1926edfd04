from vigil.accounts.models import Task
from vigil.jobs import services as jobs
from vigil.jobs.models import Job


def test_a_job_is_seen_only_by_its_creator_and_its_fragment_polls_until_it_ends(
    client, cdc, make_user, places
):
    job = jobs.create("reevaluate_risk", cdc, total=200, done=50, state=Job.State.RUNNING)
    jobs.progress(job.pk, 50)
    url = f"/jobs/{job.pk}/?back=areas"
    client.force_login(make_user("cdc.tinh2", places.province, tasks=[Task.CDC]))
    assert client.get(url).status_code == 404
    client.force_login(cdc)
    page = client.get(url).content.decode()
    assert 'href="/triage/areas/"' in page and 'href="/triage/"' in page
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert body.lstrip().startswith('<div id="job"')
    assert 'hx-trigger="every 1s"' in body and 'hx-get="/jobs/' in body
    assert 'id="job-percent">25<' in body
    assert client.post(url).status_code == 405

    Job.objects.filter(pk=job.pk).update(state=Job.State.FAILED, error="disk full")
    body = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in body and 'id="job-error"' in body and "disk full" in body


def test_a_queued_job_shows_no_progress_yet(client, cdc):
    job = jobs.create("reevaluate_risk", cdc)
    client.force_login(cdc)
    body = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'data-state="queued"' in body and 'id="job-percent">0<' in body
    assert 'hx-trigger="every 1s"' in body


def test_a_finished_export_links_its_file(client, cdc):
    job = jobs.create("export", cdc, title="Danh sách", state=Job.State.DONE)
    client.force_login(cdc)
    body = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'href="/reports/exports/{job.pk}/"' in body and 'href="/reports/exports/"' in body


def test_the_job_page_needs_an_account(client, cdc):
    job = jobs.create("reevaluate_risk", cdc)
    assert client.get(f"/jobs/{job.pk}/").status_code == 302


def test_the_job_page_is_for_staff_who_read_the_rules(client, cdc, make_user, places):
    job = jobs.create("reevaluate_risk", cdc)
    client.force_login(make_user("hotel.pn", places.commune, tasks=[Task.ESTABLISHMENT]))
    assert client.get(f"/jobs/{job.pk}/").status_code == 403
