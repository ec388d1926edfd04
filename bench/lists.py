"""Benchmark: the staff lists under load, as a province and a commune user.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_2m \\
        .venv/bin/python bench/lists.py [--concurrency 10] [--requests 3] [--only queue]

Against a database already filled (bench/stats.py fills people, declarations
and test results; nothing is written to it but two bench accounts, their
sessions and the audit events of their logins):

1. creates (or resets) two accounts, `bench.lists.province` (the home
   province) and `bench.lists.commune` (Phường Phú Nhuận, else the commune
   with the most declarations), health station + CDC, with a random password;
2. starts gunicorn (`vigil.wsgi`, 2 sync workers, loopback) with debug off and
   a throw-away secret key, and signs both accounts in through the real login
   form (CSRF token, session cookie);
3. for every page of the list below and each account: one untimed request
   per worker, sent at once (each worker opens its caches: the page's
   compiled template, the reference data; its first request costs up to a
   second), then one request alone five times (the median), then C client threads
   each sending R requests at once (http.client, a fresh connection per
   request, the session cookie): the p95 of the C x R latencies. Every
   answer must be 200.

Pages: the declaration list (first page, a deep page, each filter, a keyword
search by a name that exists in the commune), the verification queues (every
tab, a deep page, a filter, a keyword), the triage queue (all, red, a deep
page, a keyword), the test lists (not tested, tested, a deep page, a keyword),
the quarantine lists (in quarantine, ended, to take in) and the people search
(by name, by ID number).

Prints one line per page and account (alone median, p50, p95, max, in ms,
and MISS when alone >= 100 ms or p95 >= 300 ms); the last line is the figure
for the note. Exit status 1 when a target is missed or an answer is not 200.
Gunicorn is always stopped at the end.
"""

import argparse
import http.client
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

from _db import machine_speed  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_2m"
HOST = "127.0.0.1"
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 120
ALONE_MS, P95_MS = 100.0, 300.0
COMMUNE_NAME = "Phường Phú Nhuận"
DEEP_PAGE = 150  # rows 7,451-7,500: inside the 10,000 count cap


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=10, help="C client threads")
    parser.add_argument("--requests", type=int, default=3, help="R requests per client")
    parser.add_argument("--alone", type=int, default=5, help="single requests (median)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--only", default="", help="pages whose name contains one of these (a,b)")
    parser.add_argument("--users", default="province,commune", help="province, commune or both")
    return parser.parse_args()


def bench_environment(url):
    """The settings of a production-like server, shared by this process and gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "vigil.settings",
        "DATABASE_URL": url,
        "VIGIL_DEBUG": "false",
        "VIGIL_TESTING": "false",
        "VIGIL_SECRET_KEY": secrets.token_urlsafe(50),
        "VIGIL_ALLOWED_HOSTS": HOST,
        "VIGIL_SECURE_COOKIES": "false",
        "VIGIL_SSL_REDIRECT": "false",
        "VIGIL_LOG_LEVEL": "ERROR",
    }


# --- accounts and the pages ----------------------------------------------------


def bench_accounts():
    """{"province": (username, password, unit), "commune": (...)}."""
    from django.db.models import Count

    from vigil.accounts.models import Task, User
    from vigil.areas.models import AdminUnit, Level
    from vigil.declarations.models import Declaration

    province = AdminUnit.objects.home_province()
    communes = AdminUnit.objects.active_tree().under(province).filter(level=Level.COMMUNE)
    commune = communes.filter(name=COMMUNE_NAME).first()
    if commune is None:
        busiest = (
            Declaration.objects.values("area_id").annotate(n=Count("id")).order_by("-n").first()
        )
        commune = communes.get(pk=busiest["area_id"]) if busiest else communes.first()
    accounts = {}
    for label, unit in (("province", province), ("commune", commune)):
        password = secrets.token_urlsafe(16)
        user, _created = User.objects.update_or_create(
            username=f"bench.lists.{label}",
            defaults={
                "full_name": f"Bench lists {label}",
                "tasks": [Task.HEALTH_STATION, Task.CDC],
                "jurisdiction": unit,
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save()
        accounts[label] = (user.username, password, unit)
    return accounts


def sample_values(commune):
    """A full name, an ID number and a district/commune that exist in `commune`."""
    from vigil.declarations.models import Declaration

    declaration = (
        Declaration.objects.filter(area_path__startswith=commune.path)
        .select_related("person")
        .order_by("-id")
        .first()
    )
    if declaration is None:
        sys.exit(f"no declaration in {commune.name}: fill the database first (bench/stats.py)")
    person = declaration.person
    return {
        "name": person.full_name,
        "id_number": person.id_number,
        "commune": commune.pk,
        "district": commune.parent_id,
        "day": declaration.created_at.date(),
    }


def pages(values):
    """[(name, path)]: what staff open all day, with its filters."""
    day = values["day"]
    week = {"date_from": (day - timedelta(days=6)).isoformat(), "date_to": day.isoformat()}

    def q(path, **params):
        return f"{path}?{urlencode(params)}" if params else path

    name = values["name"]
    return [
        ("declarations first", "/declarations/"),
        # Keyset pages: the deep page is a jump 30 days back in the date order.
        (
            "declarations deep",
            q("/declarations/", jump=(day - timedelta(days=30)).strftime("%d/%m/%Y")),
        ),
        ("declarations channel", q("/declarations/", channel="paper")),
        ("declarations kind", q("/declarations/", kind="student")),
        ("declarations week", q("/declarations/", **week)),
        ("declarations arrival", q("/declarations/", date_on="arrival", **week)),
        ("declarations district", q("/declarations/", district=values["district"])),
        ("declarations commune", q("/declarations/", commune=values["commune"])),
        ("declarations keyword", q("/declarations/", q=name)),
        ("verification pending", "/verification/"),
        ("verification deep", q("/verification/", page=DEEP_PAGE)),
        ("verification students", "/verification/students/"),
        ("verification medical", "/verification/medical/"),
        ("verification failed", "/verification/failed/"),
        ("verification amended", "/verification/amended/"),
        ("verification colour", q("/verification/", colour="red")),
        ("verification keyword", q("/verification/", q=name)),
        ("triage all", "/triage/"),
        ("triage red", q("/triage/", colour="red")),
        ("triage deep", q("/triage/", page=DEEP_PAGE)),
        ("triage keyword", q("/triage/", q=name)),
        ("tests untested", "/tests/"),
        ("tests tested", q("/tests/", tab="tested")),
        # Keyset pages of the latest samples: a jump 30 days back.
        (
            "tests deep",
            q("/tests/", tab="tested", jump=(day - timedelta(days=30)).strftime("%d/%m/%Y")),
        ),
        ("tests keyword", q("/tests/", q=name)),
        ("quarantine stays", "/quarantine/"),
        ("quarantine ended", "/quarantine/ended/"),
        ("quarantine to take in", "/quarantine/to-take-in/"),
        ("people name", q("/people/", q=name)),
        ("people id", q("/people/", q=values["id_number"])),
    ]


# --- the server ------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env, port, workers, log_path):
    log = open(log_path, "w")  # noqa: SIM115
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "vigil.wsgi",
            "-w",
            str(workers),
            "-b",
            f"{HOST}:{port}",
            "--timeout",
            str(REQUEST_TIMEOUT_S),
        ],  # fmt: skip
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_file = log  # closed by stop_gunicorn
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            if request(port, "/healthz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in {START_TIMEOUT_S} s; see {log_path}")


def stop_gunicorn(process):
    if process is None:
        return
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    process.log_file.close()
    print(f"gunicorn stopped (exit {process.returncode})")


def request(port, path, *, cookies=None, method="GET", body=None, headers=None):
    """(status, headers, body) of one request on a fresh connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        all_headers = dict(headers or {})
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def set_cookies(headers):
    out = {}
    for key, value in headers:
        if key.lower() == "set-cookie":
            name, _eq, rest = value.partition("=")
            out[name.strip()] = rest.split(";", 1)[0]
    return out


def log_in(port, username, password):
    """The session cookies of `username`, through the real login form."""
    status, headers, body = request(port, "/accounts/login/")
    cookies = set_cookies(headers)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or token is None or "csrftoken" not in cookies:
        raise RuntimeError(f"login page: {status}")
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.group(1).decode(),
            "username": username,
            "password": password,
        }  # fmt: skip
    )
    status, headers, _body = request(
        port,
        "/accounts/login/",
        cookies=cookies,
        method="POST",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    cookies.update(set_cookies(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login of {username} refused: {status}")
    return cookies


# --- measuring -------------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def timed(port, path, cookies):
    started = time.perf_counter()
    status, _headers, _body = request(port, path, cookies=cookies)
    return (time.perf_counter() - started) * 1000, status


def measure(port, path, cookies, args):
    """(alone median ms, [concurrent ms], bad statuses)."""
    bad = []
    # Untimed: one request per worker, sent at once, so that every worker has
    # opened its caches (the page's compiled template, the reference data)
    # before the timed ones; a worker's first request costs up to a second.
    warm = [threading.Thread(target=timed, args=(port, path, cookies)) for _ in range(args.workers)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    alone = []
    for _ in range(args.alone):
        ms, status = timed(port, path, cookies)
        alone.append(ms)
        if status != 200:
            bad.append(status)
    loaded, lock = [], threading.Lock()

    def client():
        for _ in range(args.requests):
            ms, status = timed(port, path, cookies)
            with lock:
                loaded.append(ms)
                if status != 200:
                    bad.append(status)

    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statistics.median(alone), loaded, bad


def run(port, accounts, args):
    """Rows of (user, page, alone, p50, p95, max, bad)."""
    rows = []
    for label in args.users.split(","):
        username, password, unit = accounts[label]
        cookies = log_in(port, username, password)
        values = sample_values(accounts["commune"][2])
        print(f"\n{label} user ({unit.name}), keyword {values['name']!r}", flush=True)
        print(f"{'page':<26}{'alone':>8}{'p50':>8}{'p95':>8}{'max':>8}", flush=True)
        for name, path in pages(values):
            if args.only and not any(part in name for part in args.only.split(",")):
                continue
            alone, loaded, bad = measure(port, path, cookies, args)
            p95 = percentile(loaded, 95)
            miss = alone >= ALONE_MS or p95 >= P95_MS
            flag = (" MISS" if miss else "") + (f" STATUS {sorted(set(bad))}" if bad else "")
            print(
                f"{name:<26}{alone:>8.0f}{percentile(loaded, 50):>8.0f}{p95:>8.0f}"
                f"{max(loaded):>8.0f}{flag}",
                flush=True,
            )
            rows.append((label, name, alone, p95, bool(bad)))
    return rows


def main():
    args = parse_args()
    # A `kill` or `timeout` still stops gunicorn (the `finally` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    env = bench_environment(url)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from vigil.declarations.models import Declaration

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        sys.exit("the database lags behind the code: run `manage.py migrate` on it first")
    # Production mode refuses to start without the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)

    total = Declaration.objects.order_by().count()
    accounts = bench_accounts()
    print(f"{total:,} declarations; load {Path('/proc/loadavg').read_text().split()[:3]}")
    print(machine_speed(), flush=True)
    port = free_port()
    log_path = Path(tempfile.gettempdir()) / f"bench_lists_{port}.log"
    process = None
    try:
        process = start_gunicorn(env, port, args.workers, log_path)
        print(f"gunicorn on port {port}, {args.workers} workers; log {log_path}", flush=True)
        rows = run(port, accounts, args)
    finally:
        stop_gunicorn(process)
    if not rows:
        sys.exit("no page measured")
    worst_alone = max(rows, key=lambda r: r[2])
    worst_p95 = max(rows, key=lambda r: r[3])
    failed = [r for r in rows if r[2] >= ALONE_MS or r[3] >= P95_MS or r[4]]
    print(f"load after: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(
        f"staff lists at {total:,} declarations, {args.concurrency} concurrent users: "
        f"worst p95 {worst_p95[3]:.0f} ms ({worst_p95[0]} {worst_p95[1]}), "
        f"worst alone {worst_alone[2]:.0f} ms ({worst_alone[0]} {worst_alone[1]}); "
        f"{len(rows) - len(failed)}/{len(rows)} pages within {ALONE_MS:.0f}/{P95_MS:.0f} ms"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
