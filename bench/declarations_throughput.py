"""Benchmark: declarations per second through the mobile API, against raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_decl \\
        .venv/bin/python bench/declarations_throughput.py [--declarations 2000] [--concurrency 20]

1. Creates the database if it is missing, migrates it, loads the administrative
   units, and empties people, declarations, audit events and OTP codes (use a
   database of its own). With `--filled`, nothing is emptied: the run adds
   its declarations to those already there (a database of `bench/stats.py
   --fill-only`, 10 million declarations say), with people whose ID numbers
   the database does not hold yet, and checks "exactly once" on the rows it
   added.
2. Baselines, first (then deleted, untimed): the same N people and N
   declarations written straight into PostgreSQL, with COPY in one transaction
   on one connection, and with INSERTs, one transaction per declaration, from
   C connections at once.
3. Starts gunicorn (`vigil.wsgi`, 2 sync workers, loopback) with debug off, a
   throw-away secret key, the file SMS backend and OTP limits raised.
4. Signs K phones in through the real OTP endpoints, reading each code from the
   SMS file, then POSTs N declarations to /api/v1/declarations from C threads
   (http.client, one connection per request, an Idempotency-Key each): every
   request runs the whole path, citizen token, DeclarationForm validation,
   person matching, the declaration, the audit event, the JSON answer with QR.
   Then R of those requests are sent again with the same Idempotency-Key: each
   must answer 200 with the same declaration, and the database must hold
   exactly one row per acknowledged declaration.
5. Counts the SQL statements of S more declarations (new people, then the same
   people again) sent through django.test.Client in this process, with
   CaptureQueriesContext (BEGIN and COMMIT count).

Prints the HTTP rate with p50/p95/max latency, the CPU the gunicorn workers
used per declaration, the statements per declaration, the raw SQL rates and the
ratios; the last line is the figure for the release notes. Gunicorn is always
stopped at the end.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from _db import ensure_database, machine_speed  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_decl"
HOST = "127.0.0.1"
API = "/api/v1"
START_TIMEOUT_S = 60
REQUEST_TIMEOUT_S = 60


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--declarations", type=int, default=2000, help="N timed declarations")
    parser.add_argument("--concurrency", type=int, default=20, help="C client threads")
    parser.add_argument("--phones", type=int, default=50, help="K citizen phones signed in")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--retries", type=int, default=50, help="R idempotent replays")
    parser.add_argument("--counted", type=int, default=50, help="S declarations counted")
    parser.add_argument("--warmup", type=int, default=30, help="untimed declarations first")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--filled", action="store_true", help="add to the rows already there (empty nothing)"
    )
    return parser.parse_args()


def bench_environment(url, sms_file):
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
        "VIGIL_SMS_BACKEND": "file",
        "VIGIL_SMS_FILE": str(sms_file),
        "VIGIL_OTP_PER_PHONE_PER_HOUR": "1000",
        "VIGIL_OTP_PER_ADDRESS_PER_HOUR": "1000000",
        "VIGIL_LOG_LEVEL": "ERROR",
    }


# --- database ---------------------------------------------------------------


def prepare_database(filled=False):
    from django.core.management import call_command
    from django.db import connection

    # Production mode refuses to start without the static manifest.
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_areas", verbosity=0)
    if filled:
        print("migrated, areas loaded; the rows already there are kept", flush=True)
        return
    with connection.cursor() as cur:
        # Every run starts from the same state: the people from earlier runs
        # would otherwise be matched (updated) instead of created.
        cur.execute(
            "TRUNCATE people_person, audit_auditevent, declarations_otpchallenge "
            "RESTART IDENTITY CASCADE"
        )
    print("migrated, areas loaded, people / declarations / audit / OTP emptied", flush=True)


# --- the server -------------------------------------------------------------


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
            "120",
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
            status, _body = call(port, "GET", "/healthz")
            if status == 200:
                return process
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz in {START_TIMEOUT_S} s; see {log_path}")


def stop_gunicorn(process):
    if process is None:
        return
    if process.poll() is None:
        process.terminate()  # SIGTERM: the master stops its workers gracefully
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    process.log_file.close()
    print(f"gunicorn stopped (exit {process.returncode})")


def call(port, method, path, body=None, headers=None):
    """(status, parsed JSON or raw bytes) of one request on a fresh connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, (json.loads(raw) if is_json and raw else raw)
    finally:
        conn.close()


# --- workload ---------------------------------------------------------------


def sign_in(port, phones, sms_file, concurrency):
    """{phone: citizen token} through the real OTP endpoints, `concurrency` at a time."""
    tokens, failures, lock = {}, [], threading.Lock()
    pending = iter(phones)

    def worker():
        while True:
            with lock:
                phone = next(pending, None)
            if phone is None:
                return
            try:
                token = sign_in_one(port, phone, sms_file)
            except (OSError, RuntimeError) as exc:
                with lock:
                    failures.append(str(exc))
            else:
                with lock:
                    tokens[phone] = token

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"sign-in failed: {failures[:3]}")
    return tokens


def sign_in_one(port, phone, sms_file):
    status, answer = call(port, "POST", f"{API}/declarations/otp/request", {"phone": phone})
    if status != 202:
        raise RuntimeError(f"OTP request for {phone}: {status} {answer}")
    # Other threads append to the file at the same time: only whole lines count.
    lines = Path(sms_file).read_text(encoding="utf-8").splitlines()
    texts = [m["text"] for m in map(json.loads, filter(None, lines)) if m["to"] == phone]
    code = re.search(r"\b(\d{6})\b", texts[-1]).group(1)
    status, answer = call(
        port, "POST", f"{API}/declarations/otp/verify", {"phone": phone, "code": code}
    )
    if status != 200:
        raise RuntimeError(f"OTP verify for {phone}: {status} {answer}")
    return answer["token"]


def new_people(count, seed, filled):
    """`count` synthetic people; with `filled` (the number of declarations
    there, or 0), only people whose ID number the database does not hold yet,
    drawn from a longer list with a seed of their own per run."""
    from vigil.people.models import Person
    from vigil.people.synthetic import people

    if not filled:
        return list(people(count, seed=seed))
    # bench/stats.py fills with the same generator and seed, and an earlier
    # run of this one added its people: another seed.
    drawn = list(people(count * 2, seed=seed + filled))
    numbers = [p["id_number"] for p in drawn if p["id_number"]]
    held = set(Person.objects.filter(id_number__in=numbers).values_list("id_number", flat=True))
    fresh = [p for p in drawn if p["id_number"] not in held]
    if len(fresh) < count:
        sys.exit(f"only {len(fresh)} new people of {len(drawn)} drawn: try another --seed")
    return fresh[:count]


def workload(count, seed, phones, filled=0):
    """[(token phone, JSON body)]: synthetic people arriving in random communes."""
    from django.utils import timezone

    from vigil.areas.models import AdminUnit, Level
    from vigil.core.phones import normalize_phone
    from vigil.declarations import questions

    units = AdminUnit.objects.active_tree()
    home = AdminUnit.objects.home_province()
    communes = list(units.under(home).filter(level=Level.COMMUNE).values_list("code", flat=True))
    # Departures inside Vietnam name their commune (required, #16).
    departures = list(
        units.filter(level=Level.COMMUNE)
        .exclude(path__startswith=home.path)
        .order_by("code")
        .values_list("code", flat=True)
    )
    rng = random.Random(seed)
    today = timezone.localdate()
    out = []
    for i, person in enumerate(new_people(count, seed, filled)):
        proxy = i % 5 == 4  # one in five declared by a relative
        if normalize_phone(person["phone"]) is None:
            # A few synthetic prefixes are not (or no longer) valid mobile ranges.
            person["phone"] = f"0905{rng.randrange(10**6):06d}"
        if not person["id_number"]:
            # Children without an ID card: the form wants the birth certificate number.
            # Unique, also beside an earlier run's (`filled`: its rows are there).
            person["id_number"] = f"{filled or ''}{i + 1}/{person['birth_year']}"
        body = {
            **{k: person[k] for k in ("full_name", "id_kind", "id_number", "phone")},
            **{k: person[k] for k in ("birth_year", "gender", "occupation")},
            "registration_kind": "return_home",
            "departure_country": "VN",
            "departure_unit_code": rng.choice(departures),
            "area_code": rng.choice(communes),
            "address": person["address"],
            "transport": "car",
            "transport_number": f"75A-{rng.randrange(10**5):05d}",
            "arrival_date": (today - timedelta(days=rng.randrange(14))).isoformat(),
            "answers": {key: rng.random() < 0.03 for key in questions.KEYS},
            "is_proxy": proxy,
            "proxy_relation": "Con" if proxy else "",
        }
        out.append((phones[i % len(phones)], body))
    return out


def run_http(port, tokens, jobs, concurrency):
    """Send every job from `concurrency` threads.

    (elapsed s, latencies ms, errors, [(phone, body, key, code) acknowledged]).
    """
    latencies, errors, acknowledged = [], [], []
    lock = threading.Lock()
    queue = iter(jobs)

    def worker():
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            phone, body = job
            key = str(uuid.uuid4())
            headers = {"Authorization": f"Bearer {tokens[phone]}", "Idempotency-Key": key}
            started = time.perf_counter()
            try:
                status, answer = call(port, "POST", f"{API}/declarations", body, headers)
            except OSError as exc:
                status, answer = None, str(exc)
            ms = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(ms)
                if status == 201:
                    acknowledged.append((phone, body, key, answer["code"]))
                else:
                    errors.append((status, answer))

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, errors, acknowledged


def replay(port, tokens, acknowledged):
    """Send acknowledged requests again with their key: [problem, ...] (none: each
    answered 200 with the same declaration)."""
    problems = []
    for phone, body, key, code in acknowledged:
        headers = {"Authorization": f"Bearer {tokens[phone]}", "Idempotency-Key": key}
        status, answer = call(port, "POST", f"{API}/declarations", body, headers)
        if status != 200 or answer.get("code") != code:
            problems.append((status, str(answer)[:200]))
    return problems


def worker_cpu_seconds(process):
    """User + system CPU seconds of the gunicorn workers (children of the master)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def postgres_cpu_seconds():
    """User + system CPU seconds of the PostgreSQL processes now running
    (the server and its backends: the gunicorn workers keep theirs open)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(")", 1)
        except OSError:
            continue  # ended meanwhile
        if name.endswith("(postgres"):
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def machine_cpu_seconds():
    """CPU seconds every core spent busy (not idle nor waiting), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def count_statements(jobs, seed):
    """(statements per new person's declaration, per returning person's) through
    django.test.Client in this process: [counts], [counts]. The first job is
    sent once uncounted first (this process loads its reference caches), so it
    is counted as a returning person only."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from vigil.api.citizen_auth import issue_token

    client = Client(SERVER_NAME=HOST)
    counts = {"new": [], "returning": []}
    for kind, sent in (("warm", jobs[:1]), ("new", jobs[1:]), ("returning", jobs)):
        for phone, body in sent:
            headers = {
                "Authorization": f"Bearer {issue_token(phone)}",
                "Idempotency-Key": f"count-{seed}-{kind}-{uuid.uuid4()}",
            }
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    f"{API}/declarations", body, content_type="application/json", headers=headers
                )
            if response.status_code != 201:
                raise RuntimeError(f"counted: {response.status_code} {response.content[:300]}")
            counts.setdefault(kind, []).append(len(queries.captured_queries))
    return counts["new"], counts["returning"]


# --- raw SQL baseline ---------------------------------------------------------


def raw_rows(jobs):
    """Column names and rows of people_person and declarations_declaration for `jobs`,
    built from the models' own defaults so the rows are what the ORM would write."""
    from django.db import connection
    from django.utils import timezone

    from vigil.areas.models import AdminUnit
    from vigil.core.text import fold
    from vigil.declarations.models import Declaration
    from vigil.people.models import Person

    units = {u.code: u for u in AdminUnit.objects.active_tree()}
    now = timezone.now()
    people, declarations, seen = [], [], set()
    for submitter, body in jobs:
        area = units[body["area_code"]]
        # A number typed twice: the API keeps the second person apart, without it.
        id_number = "" if body["id_number"] in seen else body["id_number"]
        seen.add(id_number)
        person = Person(
            **{k: body[k] for k in ("full_name", "id_kind", "phone")},
            id_number=id_number,
            **{k: body[k] for k in ("birth_year", "gender", "occupation")},
            area=area,
            area_path=area.path,
            search_key=fold(body["full_name"]),
            updated_at=now,
        )
        declaration = Declaration(
            registration_kind=body["registration_kind"],
            departure_country_id=body["departure_country"],
            departure_unit=units[body["departure_unit_code"]],
            area=area,
            area_path=area.path,
            address=body["address"],
            transport=body["transport"],
            transport_number=body["transport_number"],
            arrival_date=date.fromisoformat(body["arrival_date"]),
            channel="app",
            is_proxy=body["is_proxy"],
            proxy_relation=body["proxy_relation"],
            submitter_phone=submitter,
            updated_at=now,
            **body["answers"],
        )
        people.append(person)
        declarations.append(declaration)

    def columns(model, skip):
        return [f for f in model._meta.concrete_fields if f.attname not in skip]

    person_fields = columns(Person, {"id"})
    declaration_fields = columns(Declaration, {"id", "person_id"})

    def values(obj, fields):
        return [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]

    return (
        [f.column for f in person_fields],
        [values(p, person_fields) for p in people],
        [f.column for f in declaration_fields],
        [values(d, declaration_fields) for d in declarations],
    )


def run_raw_sql(url, jobs):
    """Seconds to COPY the people and declarations of `jobs` in one transaction."""
    import psycopg
    from psycopg import sql

    person_cols, person_rows, decl_cols, decl_rows = raw_rows(jobs)

    def copy_sql(table, cols):
        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols))
        )

    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence('people_person', 'id')) "
                "FROM generate_series(1, %s)",
                [len(jobs)],
            )
            ids = [row[0] for row in cur.fetchall()]
            with cur.copy(copy_sql("people_person", ["id", *person_cols])) as copy:
                for pk, row in zip(ids, person_rows, strict=True):
                    copy.write_row([pk, *row])
            with cur.copy(copy_sql("declarations_declaration", ["person_id", *decl_cols])) as copy:
                for pk, row in zip(ids, decl_rows, strict=True):
                    copy.write_row([pk, *row])
        elapsed = time.perf_counter() - started
        # The copies are not part of the data set: remove them, untimed.
        with conn.transaction():
            conn.execute("DELETE FROM declarations_declaration WHERE person_id = ANY(%s)", [ids])
            conn.execute("DELETE FROM people_person WHERE id = ANY(%s)", [ids])
    return elapsed


def run_raw_inserts(url, jobs, concurrency):
    """Seconds to INSERT the people and declarations of `jobs` one declaration
    per transaction (person INSERT … RETURNING id, then the declaration), from
    `concurrency` connections at once: what the API's requests must at least
    do, with the same commits to wait for."""
    import psycopg
    from psycopg import sql

    person_cols, person_rows, decl_cols, decl_rows = raw_rows(jobs)

    def insert_sql(table, cols, returning=""):
        return sql.SQL("INSERT INTO {} ({}) VALUES ({}){}").format(
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, cols)),
            sql.SQL(", ").join(sql.Placeholder() * len(cols)),
            sql.SQL(returning),
        )

    person_insert = insert_sql("people_person", person_cols, " RETURNING id")
    decl_insert = insert_sql("declarations_declaration", ["person_id", *decl_cols])
    ids, lock = [], threading.Lock()
    pending = iter(zip(person_rows, decl_rows, strict=True))
    connections = [psycopg.connect(url) for _ in range(concurrency)]

    def worker(conn):
        while True:
            with lock:
                rows = next(pending, None)
            if rows is None:
                return
            with conn.transaction():
                pk = conn.execute(person_insert, rows[0]).fetchone()[0]
                conn.execute(decl_insert, [pk, *rows[1]])
            with lock:
                ids.append(pk)

    threads = [threading.Thread(target=worker, args=(c,)) for c in connections]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    for conn in connections:
        conn.close()
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("DELETE FROM declarations_declaration WHERE person_id = ANY(%s)", [ids])
        conn.execute("DELETE FROM people_person WHERE id = ANY(%s)", [ids])
    if len(ids) != len(jobs):
        raise RuntimeError(f"raw INSERT: {len(ids)} of {len(jobs)} rows written")
    return elapsed


# --- main -------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL=postgres://.../vigil_bench_decl (this benchmark is for PostgreSQL)"
        )
    if min(args.declarations, args.concurrency, args.phones, args.workers) < 1:
        sys.exit("--declarations, --concurrency, --phones and --workers must be at least 1")

    workdir = Path(tempfile.mkdtemp(prefix="vigil-bench-decl-"))
    sms_file = workdir / "sms.jsonl"
    env = bench_environment(url, sms_file)
    os.environ.update(env)
    ensure_database(url)

    import django

    django.setup()
    from vigil.declarations.models import Declaration

    prepare_database(args.filled)
    # "Exactly once" counts the declarations of this run: those after this id.
    before = Declaration.objects.order_by("-id").values_list("id", flat=True).first() or 0
    there = Declaration.objects.order_by().count()
    print(f"{there:,} declarations already there", flush=True)
    rng = random.Random(args.seed)
    phones = sorted({f"09{rng.randrange(10**8):08d}" for _ in range(args.phones * 2)})
    phones = phones[: args.phones]
    total = args.warmup + args.declarations + args.counted
    jobs = workload(total, args.seed, phones, there if args.filled else 0)
    warmup, timed = jobs[: args.warmup], jobs[args.warmup : args.warmup + args.declarations]
    counted = jobs[args.warmup + args.declarations :]

    # The baselines first, on the same tables (then deleted): after the HTTP
    # run their people would collide with the unique ID numbers.
    raw_elapsed = run_raw_sql(url, timed)
    raw_rate = len(timed) / raw_elapsed
    print(
        f"raw SQL (COPY, one connection, one transaction): {len(timed):,} people + "
        f"{len(timed):,} declarations in {raw_elapsed:.2f} s = {raw_rate:,.0f} declarations/s"
    )
    insert_elapsed = run_raw_inserts(url, timed, args.concurrency)
    insert_rate = len(timed) / insert_elapsed
    print(
        f"raw SQL (INSERT person + declaration, a transaction each, {args.concurrency} "
        f"connections): {insert_elapsed:.2f} s = {insert_rate:,.0f} declarations/s"
    )
    print(f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}")
    print(machine_speed(), flush=True)
    port = free_port()
    server = None
    try:
        server = start_gunicorn(env, port, args.workers, workdir / "gunicorn.log")
        print(f"gunicorn: {args.workers} workers on {HOST}:{port} (log {workdir}/gunicorn.log)")
        started = time.perf_counter()
        tokens = sign_in(port, phones, sms_file, args.workers * 2)
        print(
            f"signed in {len(tokens)} phones by SMS code in {time.perf_counter() - started:.1f} s"
        )
        warm = run_http(port, tokens, warmup, min(args.concurrency, len(warmup) or 1))
        if warm[2]:
            sys.exit(f"warm-up failed: {warm[2][:3]}")
        cpu_before = worker_cpu_seconds(server)
        pg_before, machine_before, client_before = (
            postgres_cpu_seconds(),
            machine_cpu_seconds(),
            time.process_time(),
        )
        elapsed, latencies, errors, acknowledged = run_http(port, tokens, timed, args.concurrency)
        worker_cpu = worker_cpu_seconds(server) - cpu_before
        pg_cpu = postgres_cpu_seconds() - pg_before
        machine_cpu = machine_cpu_seconds() - machine_before
        client_cpu = time.process_time() - client_before
        load_after = os.getloadavg()[0]
        replayed = acknowledged[: args.retries]
        problems = replay(port, tokens, replayed)
    finally:
        stop_gunicorn(server)

    stored = Declaration.objects.filter(channel="app", id__gt=before).count()
    answered = len(warm[3]) + len(acknowledged)
    http_rate = len(timed) / elapsed
    p50, p95 = percentile(latencies, 0.50), percentile(latencies, 0.95)
    print(
        f"\nHTTP: {len(timed):,} declarations in {elapsed:.2f} s = {http_rate:,.0f}/s; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms, "
        f"mean {statistics.fmean(latencies):.0f} ms; errors {len(errors)}"
    )
    print(
        f"gunicorn workers' CPU: {worker_cpu * 1000 / len(timed):.1f} ms per declaration "
        f"({worker_cpu:.1f} s over the run)"
    )
    per = 1000 / len(timed)
    print(
        f"CPU per declaration: gunicorn workers {worker_cpu * per:.1f} ms, PostgreSQL "
        f"{pg_cpu * per:.1f} ms, this client's threads {client_cpu * per:.1f} ms; the "
        f"machine {machine_cpu * per:.1f} ms of the {os.cpu_count() * elapsed * per:.1f} ms "
        "its cores had"
    )
    print(
        f"load average (1 min) at the end of the HTTP run: {load_after:.2f} "
        "(the client threads, gunicorn and PostgreSQL share this machine)"
    )
    for status, answer in errors[:5]:
        print(f"  error {status}: {str(answer)[:300]}")
    print(
        f"exactly once: {answered:,} declarations acknowledged (201), {stored:,} stored; "
        f"{len(replayed)} replayed with their Idempotency-Key, {len(problems)} not answered "
        "200 with the same declaration"
    )
    for problem in problems[:5]:
        print(f"  replay: {problem}")

    new, returning = count_statements(counted, args.seed)
    print(
        f"SQL statements per declaration (django.test.Client, {len(counted)} each): "
        f"new person max {max(new)} (mean {statistics.fmean(new):.1f}), "
        f"returning person max {max(returning)} (mean {statistics.fmean(returning):.1f})"
    )

    print(
        f"\ndeclarations via HTTP: {http_rate:,.0f}/s, p95 {p95:.0f} ms "
        f"({args.workers} workers, concurrency {args.concurrency}), "
        f"at most {max(new + returning)} statements each; raw INSERT {insert_rate:,.0f}/s "
        f"(ratio {insert_rate / http_rate:,.1f}), COPY {raw_rate:,.0f}/s "
        f"(ratio {raw_rate / http_rate:,.1f})"
    )
    if errors or problems or stored != answered:
        print(f"kept {workdir} (gunicorn log, SMS file) for a look")
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
