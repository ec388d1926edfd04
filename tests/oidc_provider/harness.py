"""Start the test OpenID provider (serve.py) in a subprocess, and drive its
login and consent pages without a browser (for the tests that use Django's
test client as Vigil's side)."""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "vigil-test-client"
CLIENT_SECRET = "vigil-test-secret-0123456789"  # noqa: S105
PASSWORD = "op-password-123"  # noqa: S105
# Vigil's test servers: Django's test client and live servers on any port.
REDIRECT_URIS = [
    "http://testserver/accounts/sso/callback/",
    "http://localhost/accounts/sso/callback/",
    "http://127.0.0.1/accounts/sso/callback/",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_provider(usernames):
    """A provider with one SSO account per name (password PASSWORD); yields
    SimpleNamespace(issuer, client_id, client_secret, password)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="vigil-op-") as data_dir:
        env = {
            **os.environ,
            "OP_DATA_DIR": data_dir,
            "OP_PORT": str(port),
            "OP_CLIENT": json.dumps(
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": REDIRECT_URIS,
                }
            ),
            "OP_USERS": json.dumps(
                [
                    {"username": u, "password": PASSWORD, "email": f"{u}@sso.example.gov.vn"}
                    for u in usernames
                ]
            ),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        log = open(Path(data_dir) / "server.log", "w")  # noqa: SIM115
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.oidc_provider.serve"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        issuer = f"http://127.0.0.1:{port}/o"
        try:
            _wait_until_up(issuer, process, Path(data_dir) / "server.log")
            yield SimpleNamespace(
                issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, password=PASSWORD
            )
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def _wait_until_up(issuer, process, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the test OpenID provider stopped:\n" + log_path.read_text())
        try:
            if requests.get(issuer + "/.well-known/openid-configuration", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the test OpenID provider did not start:\n" + log_path.read_text())


def _form_fields(html):
    """The hidden and named inputs of the first form of a page."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="submit"' not in tag:
            fields[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    return fields


def log_in_and_consent(authorize_url, username, password=PASSWORD):
    """Go through the provider's login form and consent page as `username`;
    return the URL the provider sends the browser back to (Vigil's callback)."""
    op = requests.Session()
    response = op.get(authorize_url, allow_redirects=True, timeout=10)
    fields = _form_fields(response.text)
    fields.update(username=username, password=password)
    response = op.post(response.url, data=fields, allow_redirects=True, timeout=10)
    assert 'id="authorizationForm"' in response.text, response.text[:2000]
    fields = _form_fields(response.text)
    fields["allow"] = "Authorize"
    response = op.post(response.url, data=fields, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:2000]
    return urljoin(response.url, response.headers["Location"])
