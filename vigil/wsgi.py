"""The WSGI application (gunicorn vigil.wsgi).

gunicorn runs none of Django's system checks, so Vigil's own start-up checks
(vigil/core/checks.py: static files collected...) run here: a server that
would answer 500 on every page refuses to start and says why.
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
application = get_wsgi_application()


def _refuse_a_broken_start():
    from django.core import checks

    from vigil.core.checks import TAG

    errors = [e for e in checks.run_checks(tags=[TAG]) if e.is_serious()]
    if errors:
        text = "\n".join(f"{e.msg}. {e.hint or ''}".strip() for e in errors)
        # Printed as well as raised: gunicorn shows a worker's boot traceback only
        # in its error log, then stops ("Worker failed to boot").
        print(f"Vigil cannot start:\n{text}", file=sys.stderr, flush=True)
        raise ImproperlyConfigured(text)


_refuse_a_broken_start()
