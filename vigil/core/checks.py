"""Start-up checks of a production set-up.

Outside debug, static files are served from STATIC_ROOT under hashed names
listed in its manifest (staticfiles.json), which `manage.py collectstatic`
writes. Without it every page that links a static file answers 500; this check
says so at start-up instead: Django runs it before every management command
that checks the project (runserver, migrate, check...), and vigil/wsgi.py
before serving, since gunicorn runs no checks.
"""

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.files.storage import storages

TAG = "vigil"
STATIC_MANIFEST_MISSING = "vigil.E001"
STATIC_FILES_NOT_COLLECTED = "vigil.E002"
MESSAGE = "Run manage.py collectstatic before starting Vigil"
# collectstatic's default ignore patterns.
IGNORED = ["CVS", ".*", "*~"]


def _uncollected(storage):
    """Static files of the source tree that the manifest does not list."""
    listed = set(storage.hashed_files)
    missing = []
    for finder in get_finders():
        for path, source in finder.list(IGNORED):
            prefix = getattr(source, "prefix", None)
            name = f"{prefix}/{path}" if prefix else path
            if name.replace("\\", "/") not in listed:
                missing.append(name)
    return sorted(missing)


@checks.register(TAG)
def static_manifest(app_configs=None, **kwargs):
    """Error when the manifest storage is in use and collectstatic has not run
    (no manifest) or not since the static files changed (files not listed)."""
    if settings.DEBUG:
        return []
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return []
    if not storage.manifest_storage.exists(storage.manifest_name):
        return [
            checks.Error(
                MESSAGE,
                hint=f"The static files manifest {settings.STATIC_ROOT}/"
                f"{storage.manifest_name} is missing: without it every page answers 500.",
                id=STATIC_MANIFEST_MISSING,
            )
        ]
    missing = _uncollected(storage)
    if missing:
        return [
            checks.Error(
                MESSAGE,
                hint=f"{len(missing)} static files are not in {settings.STATIC_ROOT} "
                f"(for example {missing[0]}): collect them again after each release.",
                id=STATIC_FILES_NOT_COLLECTED,
            )
        ]
    return []
