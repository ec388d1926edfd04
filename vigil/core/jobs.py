"""Chores in the background: work nobody waits for and no page follows
(compacting the dashboard's tally). They go through the same task queue as
Vigil's jobs (django-tasks, queued in the database and run by
`manage.py jobs_worker`); work a person starts and follows has a progress row
in `vigil.jobs` instead. Tests and VIGIL_JOBS_EAGER=true run chores inline.
"""

from django.utils.module_loading import import_string
from django_tasks import task


@task()
def call(path, args):
    """The queued form of `run_in_background`: call the function at `path`."""
    import_string(path)(*args)


def run_in_background(func, *args):
    """Queue `func(*args)`: a module-level function taking JSON-safe arguments."""
    call.enqueue(f"{func.__module__}.{func.__qualname__}", list(args))
