"""Profile: the CPU one citizen declaration costs in Python, by stage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_profile \\
        .venv/bin/python bench/submit_profile.py [--declarations 400] [--top 40]

Sets the database up as bench/declarations_throughput.py does (use a database
of its own: people, declarations, audit events and OTP codes are emptied;
`--reuse` skips migrate and load_areas), then POSTs declarations to
/api/v1/declarations through django.test.Client in this process with a
citizen token and an Idempotency-Key each, production settings (debug off),
warm caches (a warm-up first). No server or client thread is in the way:
`time.process_time()` around each request is the Python CPU of the whole
request path (the handler, the middleware, the view, the ORM building and
sending SQL, the JSON answer); PostgreSQL's CPU is in its own process.

Prints:
1. the CPU per declaration (mean, p50, p95) without any profiler; it still
   swells when the machine is loaded (caches, frequency, hyper-threads);
2. the Python function calls per declaration (sys.setprofile over 50 more):
   deterministic, the same on an idle or a loaded machine, the figure to
   compare two versions of the code with;
3. a sampling profile of further declarations (SIGPROF on CPU time, at most
   one sample per kernel tick; each sample counts for every stage on its
   stack): the stages of STAGES with their inclusive CPU per declaration,
   `--drill file:function` (what a stage calls), `--callers file:function`
   (who calls it) and the `--top` functions by own CPU.
"""

import argparse
import os
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _db import ensure_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_profile"
API = "/api/v1"
HOST = "127.0.0.1"
COUNTED = 50  # declarations whose function calls are counted

MW = ("process_request", "process_view", "process_response", "__call__")
# (label, file suffix, function names): samples with any of them on the stack.
STAGES = (
    ("the request (test client's WSGI handler)", "django/test/client.py", ("request",)),
    ("  request_started / finished signals", "django/dispatch/dispatcher.py", ("send",)),
    ("  URL resolving", "django/urls/resolvers.py", ("resolve",)),
    ("  SecurityMiddleware", "django/middleware/security.py", MW),
    ("  WhiteNoise", "whitenoise/middleware.py", ("__call__",)),
    ("  SessionMiddleware", "django/contrib/sessions/middleware.py", MW),
    ("  CommonMiddleware", "django/middleware/common.py", MW),
    ("  CsrfViewMiddleware", "django/middleware/csrf.py", MW[:3]),
    ("  AuthenticationMiddleware", "django/contrib/auth/middleware.py", MW[:3]),
    ("  MessageMiddleware", "django/contrib/messages/middleware.py", MW[:3]),
    ("  TwoFactor / ForcePasswordChange", "vigil/accounts/twofactor.py", ("process_view",)),
    ("  XFrameOptions", "django/middleware/clickjacking.py", MW[:3]),
    ("  HtmxMiddleware", "django_htmx/middleware.py", ("__call__",)),
    ("  response close / signals", "django/http/response.py", ("close",)),
    ("  ninja: the operation", "ninja/operation.py", ("run",)),
    ("    auth (citizen token)", "vigil/api/citizen_auth.py", ("authenticate",)),
    ("    body parsing and schema", "ninja/operation.py", ("_get_values",)),
    ("    view: create", "vigil/api/declarations/citizen.py", ("create",)),
    ("      validate", "vigil/api/declarations/translate.py", ("validate",)),
    ("        DeclarationForm __init__", "vigil/declarations/forms.py", ("__init__",)),
    ("        form full_clean", "django/forms/forms.py", ("full_clean",)),
    ("      submit_declaration", "vigil/declarations/services.py", ("submit_declaration",)),
    ("        match person", "vigil/declarations/services.py", ("match_person",)),
    ("        insert person", "vigil/people/services.py", ("insert_person",)),
    ("        risk assessment", "vigil/declarations/risk.py", ("assess",)),
    ("        Declaration save", "vigil/declarations/models.py", ("save",)),
    ("        audit log", "vigil/audit/services.py", ("log",)),
    ("        transaction commit", "django/db/transaction.py", ("__exit__",)),
    ("      answer (citizen_out)", "vigil/api/declarations/output.py", ("citizen_out",)),
    ("    result to JSON response", "ninja/operation.py", ("_result_to_response",)),
    ("  SQL: cursor execute (all)", "django/db/backends/utils.py", ("execute",)),
    ("    psycopg execute", "psycopg/cursor.py", ("execute",)),
    ("  reference stamp read", "vigil/core/refcache.py", ("_read_stamp",)),
    ("  model __init__ (any)", "django/db/models/base.py", ("__init__",)),
    ("  copy.deepcopy (any)", "lib/python3.11/copy.py", ("deepcopy",)),
    ("  gettext (any)", "django/utils/translation/trans_real.py", ("gettext",)),
)


def sample(run, interval_ms):
    """Run `run()` while a CPU-time timer (ITIMER_PROF) interrupts it every
    `interval_ms`: {stack of (file, function) from the outermost: samples}."""
    samples = {}

    def take(_signum, frame):
        stack = []
        while frame is not None:
            code = frame.f_code
            stack.append((code.co_filename, code.co_name))
            frame = frame.f_back
        key = tuple(reversed(stack))
        samples[key] = samples.get(key, 0) + 1

    previous = signal.signal(signal.SIGPROF, take)
    signal.setitimer(signal.ITIMER_PROF, interval_ms / 1000, interval_ms / 1000)
    try:
        run()
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, previous)
    return samples


def count_calls(run):
    """Python and C function calls made by `run()` (sys.setprofile)."""
    count = 0

    def profile(_frame, event, _arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        run()
    finally:
        sys.setprofile(None)
    return count


def frames_of(samples, target):
    """(stack, index of the target's frame, count) of the samples whose stack
    holds `target` ("file suffix:function")."""
    suffix, _sep, name = target.rpartition(":")
    for stack, count in samples.items():
        at = next((i for i, (f, n) in enumerate(stack) if n == name and f.endswith(suffix)), None)
        if at is not None:
            yield stack, at, count


def report(samples, requests, cpu_ms, top, drill=(), callers=()):
    """The stages' inclusive share of the sampled CPU, and the functions with
    the most samples of their own, in ms per declaration (the timer fires at
    most once per kernel tick: each sample stands for cpu_ms / samples)."""
    total = sum(samples.values())

    def per_request(count):
        return count * cpu_ms / total / requests if total else 0

    print(
        f"\nsampled: {total} samples over {cpu_ms / requests:.2f} ms CPU per "
        f"declaration ({requests} declarations, with the sampler)\n"
    )
    print("stage (inclusive CPU per declaration, sampled)")
    for label, suffix, names in STAGES:
        hits = sum(
            count
            for stack, count in samples.items()
            if any(func in names and file.endswith(suffix) for file, func in stack)
        )
        share = hits / total if total else 0
        print(f"  {label:<46} {per_request(hits):6.2f} ms  {share:6.1%}")
    for target in drill:
        children, hits = {}, 0
        for stack, at, count in frames_of(samples, target):
            hits += count
            child = stack[at + 1] if at + 1 < len(stack) else ("(own)", "")
            children[child] = children.get(child, 0) + count
        print(f"\ninside {target}: {per_request(hits):.2f} ms per declaration")
        for (file, func), count in sorted(children.items(), key=lambda item: -item[1])[:15]:
            short = "/".join(Path(file).parts[-3:])
            print(f"  {per_request(count):6.3f} ms  {short} {func}")
    for target in callers:
        parents, hits = {}, 0
        for stack, at, count in frames_of(samples, target):
            hits += count
            chain = tuple(stack[max(0, at - 3) : at])
            parents[chain] = parents.get(chain, 0) + count
        print(f"\ncallers of {target}: {per_request(hits):.2f} ms per declaration")
        for chain, count in sorted(parents.items(), key=lambda item: -item[1])[:8]:
            names = " < ".join(f"{Path(f).name}:{n}" for f, n in reversed(chain))
            print(f"  {per_request(count):6.3f} ms  {names}")
    own = {}
    for stack, count in samples.items():
        own[stack[-1]] = own.get(stack[-1], 0) + count
    print(f"\ntop {top} functions by own CPU per declaration (sampled)")
    for (file, func), count in sorted(own.items(), key=lambda item: -item[1])[:top]:
        short = "/".join(Path(file).parts[-3:])
        print(f"  {per_request(count):6.3f} ms  {short} {func}")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--declarations", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--top", type=int, default=30, help="functions listed by own time")
    parser.add_argument(
        "--interval",
        type=float,
        default=1,
        help="sampling interval, ms of CPU time (at least a kernel tick)",
    )
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--drill",
        action="append",
        default=[],
        help="file suffix:function whose callees to list (repeatable)",
    )
    parser.add_argument(
        "--callers",
        action="append",
        default=[],
        help="file suffix:function whose callers to list (repeatable)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="skip migrate/load_areas (already done)"
    )
    return parser.parse_args()


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    workdir = Path(tempfile.mkdtemp(prefix="vigil-submit-profile-"))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import declarations_throughput as bench

    os.environ.update(bench.bench_environment(url, workdir / "sms.jsonl"))
    os.environ["VIGIL_SECRET_KEY"] = secrets.token_urlsafe(50)
    ensure_database(url)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from vigil.api.citizen_auth import issue_token

    if args.reuse:
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE people_person, audit_auditevent, declarations_otpchallenge "
                "RESTART IDENTITY CASCADE"
            )
    else:
        bench.prepare_database()
    rng = random.Random(args.seed)
    phones = sorted({f"09{rng.randrange(10**8):08d}" for _ in range(args.phones * 2)})
    phones = phones[: args.phones]
    count = args.warmup + 2 * args.declarations + COUNTED
    jobs = bench.workload(count, args.seed, phones)
    tokens = {phone: issue_token(phone) for phone in phones}
    client = Client(SERVER_NAME=HOST)

    def send(job):
        phone, body = job
        response = client.post(
            f"{API}/declarations",
            body,
            content_type="application/json",
            headers={
                "Authorization": f"Bearer {tokens[phone]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
        )
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code} {response.content[:300]}")

    warmup = jobs[: args.warmup]
    plain = jobs[args.warmup : args.warmup + args.declarations]
    counted = jobs[args.warmup + args.declarations :][:COUNTED]
    profiled = jobs[args.warmup + args.declarations + COUNTED :]
    for job in warmup:
        send(job)

    cpu = []
    wall_started = time.perf_counter()
    for job in plain:
        started = time.process_time()
        send(job)
        cpu.append((time.process_time() - started) * 1000)
    wall = time.perf_counter() - wall_started
    cpu.sort()
    print(
        f"CPU per declaration (no profiler, {len(cpu)} requests): mean "
        f"{statistics.fmean(cpu):.2f} ms, p50 {cpu[len(cpu) // 2]:.2f} ms, "
        f"p95 {cpu[int(len(cpu) * 0.95)]:.2f} ms; wall {wall * 1000 / len(cpu):.2f} ms "
        f"per declaration (PostgreSQL round trips included); load average "
        f"{os.getloadavg()[0]:.2f}"
    )

    print(
        f"Python function calls per declaration (deterministic, load-insensitive): "
        f"{count_calls(lambda: [send(job) for job in counted]) / len(counted):,.0f}"
    )

    started = time.process_time()
    samples = sample(lambda: [send(job) for job in profiled], args.interval)
    cpu_ms = (time.process_time() - started) * 1000
    report(samples, len(profiled), cpu_ms, args.top, args.drill, args.callers)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
