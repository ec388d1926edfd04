"""Running work in the background.

A thread per job, started after the current transaction commits, is enough for
the rare, idempotent jobs Vigil has (re-evaluating risk after a rule change,
large exports); progress lives in the database so any worker's page can show
it. Tests and VIGIL_JOBS_EAGER=true run jobs inline. A province that outgrows
this moves the same functions (they take primary keys) to a task queue.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, transaction

logger = logging.getLogger("vigil.jobs")


def _run(func, args):
    try:
        func(*args)
    except Exception:
        logger.exception("background job %s%r failed", func.__name__, args)
    finally:
        close_old_connections()


def run_in_background(func, *args):
    if settings.VIGIL_JOBS_EAGER:
        func(*args)
        return
    transaction.on_commit(
        lambda: threading.Thread(target=_run, args=(func, args), daemon=True).start()
    )
