"""Production mode works from the README's deploy steps alone (issue #12).

Outside debug, static files come from the manifest that `collectstatic`
writes; without it every page answered 500 and nothing said why. Now the
system check (vigil/core/checks.py) and the WSGI start-up (vigil/wsgi.py,
since gunicorn runs no checks) refuse to start with "Run manage.py
collectstatic before starting Vigil"; after collectstatic, gunicorn serves the
login page.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MESSAGE = "Run manage.py collectstatic before starting Vigil"


@pytest.fixture
def production_env(tmp_path):
    """A clone-like production set-up: debug off, an empty STATIC_ROOT."""
    env = {
        **os.environ,
        "VIGIL_DEBUG": "false",
        "VIGIL_TESTING": "false",
        "VIGIL_SECRET_KEY": "production-start-test-" + "k" * 40,
        "VIGIL_STATIC_ROOT": str(tmp_path / "static"),
        "VIGIL_VAR_DIR": str(tmp_path / "var"),
        # The test talks plain HTTP to gunicorn, as nginx would.
        "VIGIL_SSL_REDIRECT": "false",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _gunicorn(env, port):
    return subprocess.Popen(
        [str(BIN / "gunicorn"), "vigil.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _get(url, deadline):
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, ""
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_without_collectstatic_checks_and_gunicorn_refuse_to_start(production_env):
    check = _manage(production_env, "check")
    assert check.returncode != 0
    assert MESSAGE in check.stderr
    server = _gunicorn(production_env, _free_port())
    try:
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode != 0
    assert MESSAGE in output


def test_after_collectstatic_gunicorn_serves_the_login_page(production_env):
    collect = _manage(production_env, "collectstatic", "--no-input", "-v", "0")
    assert collect.returncode == 0, collect.stderr
    assert _manage(production_env, "check").returncode == 0
    port = _free_port()
    server = _gunicorn(production_env, port)
    try:
        status, page = _get(f"http://127.0.0.1:{port}/accounts/login/", time.monotonic() + 60)
        assert status == 200
        css = next(part for part in page.split('"') if part.endswith(".css"))
        assert _get(f"http://127.0.0.1:{port}{css}", time.monotonic() + 10)[0] == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_static_files_changed_since_collectstatic_are_refused(production_env, tmp_path):
    assert _manage(production_env, "collectstatic", "--no-input", "-v", "0").returncode == 0
    manifest = tmp_path / "static" / "staticfiles.json"
    data = json.loads(manifest.read_text())
    data["paths"].pop("vigil/app.css")
    manifest.write_text(json.dumps(data))
    check = _manage(production_env, "check")
    assert check.returncode != 0
    assert MESSAGE in check.stderr and "vigil/app.css" in check.stderr
