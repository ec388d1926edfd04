"""Starting and running exports; every export is written to the audit log.

An export is a job (`vigil.jobs`) of kind "export": its params hold the list
and the page's query, its result is the file. Small exports are written at
once; large ones are queued for the worker.
"""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django_tasks import task

from vigil.audit.services import Action, log
from vigil.core.permissions import EXPORT, may
from vigil.jobs import services as jobs
from vigil.jobs.models import Job

from . import exports

logger = logging.getLogger("vigil.exports")

KIND = "export"


def allowed(user, spec):
    """May `user` export the list of `spec`? EXPORT, and the list's own capability."""
    return bool(spec.capability) and may(user, EXPORT) and may(user, spec.capability)


def specs():
    """Every exportable list by key (importing the modules that declare them)."""
    from . import registry  # noqa: F401
    from .stats import exports as stats_exports  # noqa: F401

    return exports.REGISTRY


def spec_of(list_key):
    spec = specs().get(list_key or "")
    if spec is None:
        raise Http404
    return spec


def start(user, spec, query):
    """Export `spec` with the filters of `query`. Small ones are written now;
    large ones (over VIGIL_EXPORT_SYNC_ROWS rows) are queued for the worker."""
    if not allowed(user, spec):
        raise PermissionDenied
    params = exports.params_of(query)
    queryset, _filters = spec.build(user, exports.querydict(params))
    total = queryset.count()
    job = jobs.create(
        KIND,
        user,
        title=spec.title,
        params={"list": spec.key, "query": params},
        total=total,
        file_name=exports.file_name(spec),
    )
    if total <= settings.VIGIL_EXPORT_SYNC_ROWS:
        run(job.pk)
        job.refresh_from_db()
        return job
    return jobs.enqueue(job, export_task)


def file_response(job):
    """The file of the finished export `job`, as a download (404 once it is gone)."""
    if job.state != Job.State.DONE:
        raise Http404
    try:
        handle = open(job.path, "rb")  # noqa: SIM115  (closed by FileResponse)
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.file_name)


def mine(user):
    return Job.objects.filter(kind=KIND, created_by=user)


def own(user, job_id):
    """The export `job_id` of `user` (exports are personal: the owner is the scope)."""
    job = mine(user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return jobs.fresh(job)


@task()
def export_task(job_id):
    """Write the queued export `job_id`; run by the worker."""
    jobs.run(job_id, _write)


def run(job_id):
    """Write the export `job_id` now; a failure is logged, audited and
    recorded on the job, never raised."""
    try:
        jobs.run(job_id, _write)
    except Exception:
        logger.exception("export %s failed", job_id)


def _write(job):
    spec = specs()[job.params["list"]]
    path = exports.export_dir() / f"{job.pk}-{job.file_name}"
    Job.objects.filter(pk=job.pk).update(path=str(path))
    query = job.params.get("query", {})
    try:
        rows = exports.write(
            spec, job.created_by, query, path, progress=lambda done: jobs.progress(job.pk, done)
        )
    except Exception as exc:
        Path(f"{path}.part").unlink(missing_ok=True)
        log(job.created_by, Action.EXPORT, job, detail={"list": spec.key, "failed": str(exc)})
        raise
    log(
        job.created_by,
        Action.EXPORT,
        job,
        object_repr=spec.title,
        detail={"list": spec.key, "filters": query, "rows": rows},
    )
    return {"done": rows, "total": rows, "size": os.path.getsize(path)}
