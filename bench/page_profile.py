"""Where a staff page's time goes: SQL, then Python by function.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_2m \\
        .venv/bin/python bench/page_profile.py [--user commune] [--only tests] \\
        [--repeat 20] [--profile] [--top 25]

The pages of `bench/lists.py`, requested in this process through Django's
test client with the whole middleware stack, debug off (the production
settings, after `collectstatic`), signed in as one of the bench accounts
that `lists.py` uses (created or reset here, as there). For each page: one
untimed request, then `--repeat` requests; prints the median whole request,
the SQL time inside it (measured around each statement by a wrapper, debug
stays off) and the number of statements, and what is left: Python.

With `--profile`, the repeated requests of each page also run under
cProfile, and the functions with the most time of their own (and the most
cumulative time, within Vigil's code) are printed: what to work on next.
Profiling slows Python down, so the timings of a profiled run are only
compared with each other.

Nothing but the account, its session and the audit event of its sign-in is
written.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

from _db import machine_speed  # bench/_db.py: the script folder is on sys.path
from lists import DEFAULT_URL, bench_accounts, bench_environment, pages, sample_values

# lists.py puts the project on sys.path for `vigil`.


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--user", default="commune", choices=("province", "commune"))
    parser.add_argument("--only", default="", help="pages whose name contains one of these (a,b)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    return parser.parse_args()


class SqlTimer:
    """Adds up the time spent executing statements (an execute wrapper)."""

    def __init__(self):
        self.seconds, self.count = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure(client, path, repeat, profiler):
    from django.db import connection

    response = client.get(path, secure=True)
    if response.status_code != 200:
        sys.exit(f"{path}: {response.status_code}")
    times, sql = [], SqlTimer()
    with connection.execute_wrapper(sql):
        for _ in range(repeat):
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            client.get(path, secure=True)
            if profiler:
                profiler.disable()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), sql.seconds * 1000 / repeat, sql.count / repeat


def print_profile(profiler, top):
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"vigil/", top)


def main():
    args = parse_args()
    os.environ.update(bench_environment(os.environ.get("DATABASE_URL", DEFAULT_URL)))
    os.environ["VIGIL_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from vigil.accounts.models import User

    call_command("collectstatic", interactive=False, verbosity=0)
    accounts = bench_accounts()
    username, _password, unit = accounts[args.user]
    values = sample_values(accounts["commune"][2])
    client = Client()
    client.force_login(User.objects.get(username=username))
    print(f"{args.user} ({unit.name}); load {Path('/proc/loadavg').read_text().split()[:3]}")
    print(machine_speed(), flush=True)
    wanted = [w for w in args.only.split(",") if w]
    for name, path in pages(values):
        if wanted and not any(w in name for w in wanted):
            continue
        profiler = cProfile.Profile() if args.profile else None
        whole, sql_ms, statements = measure(client, path, args.repeat, profiler)
        print(
            f"{name:28} {whole:7.1f} ms  SQL {sql_ms:6.1f} ms ({statements:4.1f} statements)"
            f"  Python {whole - sql_ms:6.1f} ms",
            flush=True,
        )
        if profiler:
            print_profile(profiler, args.top)


if __name__ == "__main__":
    main()
