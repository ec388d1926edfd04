"""Large Excel imports in the background (paper forms, lab sheets).

The request reads the upload and checks it is the template (vigil.core.xlsx_import);
a file of more than VIGIL_IMPORT_SYNC_ROWS rows is then kept on disk and its
job queued (`queue`). The worker reads the kept file again (`read`), checks
every row (the job's progress) and saves all of them, or nothing: the job then
fails with the bad rows in its `result` (`refuse_rows`).
"""

from vigil.core.xlsx_import import read_stored, store_upload

from . import services
from .models import NOTHING_SAVED


def queue(kind, user, file, rows, task):
    """Keep `file` and queue `task` on a new job of `kind` for its `rows` rows."""
    path = store_upload(file)
    name = file.name[:200]
    job = services.create(kind, user, title=name, total=rows, path=str(path), file_name=name)
    return services.enqueue(job, task)


def read(job, sheet_format, result, empty_message):
    """The rows of the job's kept file (removed once read); `Refused` when the
    file as a whole is."""
    rows = read_stored(job.path, sheet_format, result, empty_message)
    if rows is None:
        raise services.Refused(result.file_error)
    services.progress(job.pk, 0, total=len(rows))
    return rows


def refuse_rows(result):
    """End the job without saving anything: the bad rows go to its result."""
    errors = [str(e) for e in result.errors]
    raise services.Refused(NOTHING_SAVED, result={"rows": result.rows, "errors": errors})


def reporter(job, every=100):
    """`progress(rows checked)` for a check loop: recorded every `every` rows."""

    def progress(done):
        if done % every == 0:
            services.progress(job.pk, done)

    return progress


def check_and_save(job, sheet_format, result, empty_message, check, save):
    """The job's work: read the kept file, `check(rows, user, result, progress)`
    every row, then `save(checked, user, result)` them all, or `refuse_rows`.
    Returns the number of rows."""
    rows = read(job, sheet_format, result, empty_message)
    checked = check(rows, job.created_by, result, reporter(job))
    if result.errors:
        refuse_rows(result)
    services.progress(job.pk, len(rows))  # every row checked: saving them
    save(checked, job.created_by, result)
    return len(rows)
