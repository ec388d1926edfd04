"""Starting and running exports; every export is written to the audit log."""

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from vigil.audit.services import Action, log
from vigil.core.jobs import run_in_background

from . import exports
from .models import Export

logger = logging.getLogger("vigil.exports")


def start(user, spec, query):
    """Export `spec` with the filters of `query`. Small ones are written now;
    large ones (over VIGIL_EXPORT_SYNC_ROWS rows) run in the background."""
    if not user.has_task(*spec.tasks):
        raise PermissionDenied
    params = exports.params_of(query)
    queryset, _filters = spec.build(user, exports.querydict(params))
    total = queryset.count()
    export = Export.objects.create(
        user=user,
        list_key=spec.key,
        title=spec.title,
        params=params,
        total=total,
        file_name=exports.file_name(spec),
    )
    if total <= settings.VIGIL_EXPORT_SYNC_ROWS:
        run(export.pk)
        export.refresh_from_db()
    else:
        run_in_background(run, export.pk)
    return export


def run(export_id):
    export = Export.objects.select_related("user").get(pk=export_id)
    spec = exports.REGISTRY[export.list_key]
    path = exports.export_dir() / f"{export.pk}-{export.file_name}"
    Export.objects.filter(pk=export_id).update(state=Export.State.RUNNING, path=str(path))

    def progress(done):
        Export.objects.filter(pk=export_id).update(done=done)

    try:
        rows = exports.write(spec, export.user, export.params, path, progress=progress)
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        Path(f"{path}.part").unlink(missing_ok=True)
        Export.objects.filter(pk=export_id).update(
            state=Export.State.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        log(export.user, Action.EXPORT, export, detail={"list": spec.key, "failed": str(exc)})
        return
    Export.objects.filter(pk=export_id).update(
        state=Export.State.DONE,
        done=rows,
        total=rows,
        size=os.path.getsize(path),
        finished_at=timezone.now(),
    )
    log(
        export.user,
        Action.EXPORT,
        export,
        object_repr=spec.title,
        detail={"list": spec.key, "filters": export.params, "rows": rows},
    )
