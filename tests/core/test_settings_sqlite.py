"""SQLite is configured one way, however it is named (issue #12): a
`sqlite:///…` DATABASE_URL gets the embedded default's settings (WAL, busy
timeout, IMMEDIATE transactions), without which concurrent submissions failed
with "database is locked"."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SHOW = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "journal": journal, "busy": busy,
    "conn_max_age": db.get("CONN_MAX_AGE", 0),
}))
"""


def _settings(tmp_path, database_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "vigil.settings",
        "VIGIL_TESTING": "true",
        "VIGIL_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    out = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_sqlite_database_url_gets_the_settings_of_the_embedded_default(tmp_path):
    default = _settings(tmp_path, "")
    named = _settings(tmp_path, f"sqlite:///{tmp_path}/x.sqlite3")
    assert named["name"] == f"{tmp_path}/x.sqlite3"
    assert default["engine"] == named["engine"] == "django.db.backends.sqlite3"
    assert named["options"] == default["options"]
    assert named["options"]["transaction_mode"] == "IMMEDIATE"
    assert named["conn_max_age"] == default["conn_max_age"]
    # And the connection really is in WAL mode with the busy timeout.
    assert named["journal"] == default["journal"] == "wal"
    assert named["busy"] == default["busy"] == 20000
