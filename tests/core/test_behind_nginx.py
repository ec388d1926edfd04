"""Limits count the client, not the proxy (issue #12, finding 3): gunicorn in
production mode behind a real nginx, set up as the README's deploy section
says (`X-Forwarded-For $proxy_add_x_forwarded_for`, VIGIL_TRUSTED_PROXIES).

Every party is on the loopback network under its own address: nginx and the
app at 127.0.0.1 (the trusted proxy), citizens at 127.0.0.2 and 127.0.0.3,
a trusted upstream proxy (a CDN, say) at 127.0.0.5. The limit under test is
VIGIL_OTP_PER_ADDRESS_PER_HOUR, 2 here.
"""

import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
OTP = "/api/v1/declarations/otp/request"

pytestmark = pytest.mark.skipif(
    NGINX is None,
    reason="nginx is not installed: apt-get install -y nginx-light (.ci/run installs it)",
)

NGINX_CONF = """
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # As where nginx terminates TLS (the README's configuration).
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, process, what, log):
    for _ in range(300):
        if process.poll() is not None:
            pytest.fail(f"{what} stopped: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"{what} did not start")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("behind-nginx")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VIGIL_")
        and k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        VIGIL_SECRET_KEY="behind-nginx-test-secret-key-0123456789-abcdefghijklmnopq",
        VIGIL_ALLOWED_HOSTS="127.0.0.1",
        VIGIL_VAR_DIR=str(tmp),
        VIGIL_STATIC_ROOT=str(tmp / "static"),
        VIGIL_TRUSTED_PROXIES="127.0.0.1, 127.0.0.5/32",
        VIGIL_SMS_BACKEND="file",
        VIGIL_SMS_FILE=str(tmp / "sms.jsonl"),
        VIGIL_OTP_PER_ADDRESS_PER_HOUR="2",
        VIGIL_OTP_PER_PHONE_PER_HOUR="100",
    )
    python = str(Path(sys.executable))
    for command in (["collectstatic"], ["migrate"]):
        subprocess.run(
            [python, "manage.py", *command, "--no-input", "-v", "0"],
            cwd=ROOT, env=env, check=True, timeout=300,
        )  # fmt: skip
    app_port, port = free_port(), free_port()
    app_log = tmp / "gunicorn.log"
    app = subprocess.Popen(
        [str(Path(python).parent / "gunicorn"), "vigil.wsgi", "--workers", "2",
         "--bind", f"127.0.0.1:{app_port}", "--error-logfile", str(app_log)],
        cwd=ROOT, env=env,
    )  # fmt: skip
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(tmp=tmp, port=port, app_port=app_port))
    nginx_log = tmp / "nginx-error.log"
    proxy = subprocess.Popen([NGINX, "-p", str(tmp), "-c", str(tmp / "nginx.conf")])
    try:
        wait_for(app_port, app, "gunicorn", app_log)
        wait_for(port, proxy, "nginx", nginx_log)
        yield {"port": port, "app_port": app_port, "db": tmp / "vigil.sqlite3"}
    finally:
        stop(proxy)
        stop(app)


def request_code(port, source, phone, headers=None):
    """POST a code request from the address `source` to 127.0.0.1:`port`."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        body = json.dumps({"phone": phone})
        conn.request("POST", OTP, body, {"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def addresses_recorded(site):
    with sqlite3.connect(site["db"]) as db:
        return [ip for (ip,) in db.execute("SELECT ip FROM declarations_otpchallenge ORDER BY id")]


def test_clients_behind_the_proxy_are_limited_separately_and_forged_headers_ignored(site):
    port = site["port"]
    # Citizen A: two codes, then the address limit.
    assert request_code(port, "127.0.0.2", "0905000001")[0] == 202
    assert request_code(port, "127.0.0.2", "0905000002")[0] == 202
    status, body = request_code(port, "127.0.0.2", "0905000003")
    assert (status, body["error"]["code"]) == (429, "too_many_address")
    # Citizen B, through the same proxy, has their own count (the proxy's
    # address, counted before, refused B here).
    assert request_code(port, "127.0.0.3", "0905000004")[0] == 202
    # A forges X-Forwarded-For: nginx appends A's real address, which is
    # the rightmost untrusted one; A is still refused.
    forged = {"X-Forwarded-For": "198.51.100.77"}
    assert request_code(port, "127.0.0.2", "0905000005", forged)[0] == 429
    # The same forgery straight to the app server (an untrusted peer) too.
    direct = {**forged, "X-Forwarded-Proto": "https"}
    assert request_code(site["app_port"], "127.0.0.2", "0905000006", direct)[0] == 429
    # A trusted upstream proxy's X-Forwarded-For is believed.
    upstream = {"X-Forwarded-For": "203.0.113.50"}
    assert request_code(port, "127.0.0.5", "0905000007", upstream)[0] == 202
    assert addresses_recorded(site) == ["127.0.0.2", "127.0.0.2", "127.0.0.3", "203.0.113.50"]
