"""The old progress rows (triage.Job, reports.Export) are copied into the one
job model by jobs.0002; tested on stand-ins of the old models."""

import datetime
import importlib
from types import SimpleNamespace

from django.db import connection
from django.utils import timezone

from vigil.jobs.models import STALE_ERROR, Job

copy_old_jobs = importlib.import_module("vigil.jobs.migrations.0002_copy_old_jobs")


class Rows:
    def __init__(self, rows):
        self.rows = rows

    def order_by(self, *fields):
        return self

    def iterator(self):
        return iter(self.rows)


def old_model(*rows):
    return SimpleNamespace(objects=Rows([SimpleNamespace(**row) for row in rows]))


def test_old_jobs_keep_their_ids_and_exports_follow(cdc):
    then = timezone.now() - datetime.timedelta(days=1)
    old_jobs = old_model(
        {"pk": 40, "kind": "reevaluate_risk", "created_by_id": cdc.pk, "state": "done",
         "total": 3, "done": 3, "error": "", "created_at": then, "finished_at": then},
        {"pk": 41, "kind": "reevaluate_risk", "created_by_id": cdc.pk, "state": "running",
         "total": 3, "done": 1, "error": "", "created_at": then, "finished_at": None},
    )  # fmt: skip
    old_exports = old_model(
        {"user_id": cdc.pk, "list_key": "tests", "params": {"tab": ["tested"]}, "title": "KQ",
         "state": "done", "total": 2, "done": 2, "error": "", "file_name": "tests.xlsx",
         "path": "/var/exports/7-tests.xlsx", "size": 99, "created_at": then,
         "finished_at": then},
    )  # fmt: skip
    models = {"jobs.Job": Job, "triage.Job": old_jobs, "reports.Export": old_exports}
    apps = SimpleNamespace(get_model=lambda app, name: models[f"{app}.{name}"])
    copy_old_jobs.copy(apps, SimpleNamespace(connection=connection))

    done, lost = Job.objects.get(pk=40), Job.objects.get(pk=41)
    assert (done.state, done.total, done.created_by) == ("done", 3, cdc)
    assert (lost.state, lost.error) == ("failed", STALE_ERROR)  # its thread is gone
    export = Job.objects.get(kind="export")
    assert export.pk > 41
    assert export.params == {"list": "tests", "query": {"tab": ["tested"]}}
    assert (export.path, export.size, export.file_name) == (
        "/var/exports/7-tests.xlsx",
        99,
        "tests.xlsx",
    )
    assert Job.objects.create(kind="later").pk > export.pk  # the sequence was moved on
