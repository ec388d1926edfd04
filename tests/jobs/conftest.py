import signal

import pytest
from django.core.management import call_command

from vigil.accounts.models import Task

from ..reports.test_exports import declarations  # noqa: F401  (a fixture)

DB_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def db_queue(settings):
    """Tasks go to the database queue, as in production (tests run them inline
    otherwise)."""
    settings.TASKS = DB_BACKEND


@pytest.fixture
def run_worker(monkeypatch):
    """`manage.py jobs_worker --batch`: run what is queued, then stop.

    The worker checks its database connections between tasks; inside a test's
    transaction that would close it, so that check is skipped here. Its signal
    handlers are put back afterwards."""
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        try:
            call_command(
                "jobs_worker", batch=True, reload=False, startup_delay=False, interval=0,
                verbosity=0,
            )  # fmt: skip
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)

    return run


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])
