"""What every benchmark needs: its PostgreSQL database, fresh statistics, the
machine's speed and accounts that are never saved."""

import sys
import time


def ensure_database(url):
    """Create the database that `url` names when it is missing (SQLite: nothing)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    name = params.get("dbname")
    if not name:
        sys.exit("DATABASE_URL must name a database, e.g. .../vigil_bench")
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}", flush=True)


def vacuum_analyze(url):
    """The whole database: the planner needs the areas' statistics too."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"VACUUM ANALYZE in {time.perf_counter() - started:.1f} s", flush=True)


def machine_speed():
    """A line saying how fast this machine runs Python: the best of three
    timings of a fixed loop (20 million additions). Figures of the same
    benchmark taken on machines of different speeds compare through it: the
    pages' CPU, and so their p95 under load, scale with it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(20_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return f"machine: 20M Python additions in {best:.2f} s (best of 3)"


def unsaved_account(unit, tasks):
    """An active account of `unit` with `tasks`, never saved: for benchmarks
    that call views or queries in process and must write nothing."""
    from vigil.accounts.models import User

    user = User(username=f"bench.{unit.pk}", tasks=list(tasks), jurisdiction=unit, is_active=True)
    user.jurisdiction_path = unit.path
    return user
