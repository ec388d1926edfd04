"""Benchmark: the staff people search at province scale on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench \\
        .venv/bin/python bench/people_search.py [--people 1000000] [--reuse]

Creates the database if it is missing, migrates it, loads the administrative
units, fills people_person with N synthetic people spread over every commune of
the home province (COPY, not the ORM), then times `search_people` exactly as
the people page calls it, for a province-wide and a commune account. See
bench/README.md for what it prints.
"""

import argparse
import math
import os
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from _db import ensure_database, vacuum_analyze  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "vigil.settings"
os.environ["VIGIL_DEBUG"] = "true"

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

BUDGET_MS = 50.0
KINDS = ["id", "phone", "name", "prefix", "words", "rare", "none"]
KIND_HELP = {
    "id": "an existing ID number",
    "phone": "an existing phone spelt '+84 9xx xxx xxx'",
    "name": "an existing full name, lower case, no diacritics",
    "prefix": "surname + middle name ('nguyen van')",
    "words": "middle + given name ('van duc'): names containing both",
    "rare": "one of the least common full names in scope",
    "none": "a name-like string that matches nobody",
}
COLUMNS = [
    "id_number", "id_kind", "phone", "full_name", "search_key", "birth_year", "gender",
    "occupation", "area_id", "area_path", "address", "created_at", "updated_at", "version",
]  # fmt: skip


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000, help="rows to fill")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the people already there if the count matches"
    )
    parser.add_argument("--runs", type=int, default=50, help="timed searches per kind and scope")
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument(
        "--explain",
        action="store_true",
        help="also print EXPLAIN ANALYZE of every SQL statement of one search per kind",
    )
    return parser.parse_args()


# --- database ---------------------------------------------------------------


def fill_people(url, count, seed, reuse):
    """TRUNCATE and COPY `count` synthetic people; returns False when reused."""
    from vigil.areas.models import AdminUnit, Level
    from vigil.core.text import fold
    from vigil.people.synthetic import people

    home = AdminUnit.objects.home_province()
    communes = list(
        AdminUnit.objects.active_tree()
        .under(home)
        .filter(level=Level.COMMUNE)
        .order_by("path")
        .values_list("pk", "path")
    )
    with psycopg.connect(url) as conn:
        existing = conn.execute("SELECT count(*) FROM people_person").fetchone()[0]
        if reuse and existing == count:
            print(f"reusing {existing:,} people")
            return False
        superuser = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
        started = time.perf_counter()
        # One transaction: secondary indexes are dropped and rebuilt around the
        # COPY (much faster than maintaining a trigram GIN row by row), and a
        # failure leaves the table as it was.
        with conn.transaction():
            conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
            if superuser:
                # Skip the per-row foreign key trigger: every area id comes
                # from the table just read.
                conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute("TRUNCATE people_person RESTART IDENTITY CASCADE")
            indexes = conn.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.schemaname = current_schema() AND i.tablename = 'people_person'
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                     WHERE c.conindid = (quote_ident(i.indexname))::regclass)"""
            ).fetchall()
            for name, _ in indexes:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

            rng = random.Random(seed + 1)
            now = datetime.now(UTC)
            keys = {}
            copy_sql = sql.SQL("COPY people_person ({}) FROM STDIN").format(
                sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
            )
            with conn.cursor() as cur, cur.copy(copy_sql) as copy:
                for p in people(count, seed=seed):
                    name = p["full_name"]
                    key = keys.get(name)
                    if key is None:
                        key = keys[name] = fold(name)
                    area_id, area_path = communes[int(rng.random() * len(communes))]
                    copy.write_row(
                        (
                            p["id_number"], p["id_kind"], p["phone"], name, key, p["birth_year"],
                            p["gender"], p["occupation"], area_id, area_path, p["address"],
                            now, now, 1,
                        )
                    )  # fmt: skip
            copied = time.perf_counter()
            print(f"copied {count:,} people in {copied - started:.1f} s", flush=True)
            for _, definition in indexes:
                conn.execute(definition)
            print(
                f"rebuilt {len(indexes)} indexes in {time.perf_counter() - copied:.1f} s",
                flush=True,
            )
    return True


# --- samples ----------------------------------------------------------------


def spell_phone(phone):
    """'0905123456' -> '+84 905 123 456', the way people read a number out."""
    return f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"


def nonsense(rng):
    letters = "bcdfgjklqrstvwxz"
    return "".join(rng.choice(letters) for _ in range(3)) + rng.choice("aeiouy") + "q"


def samples(cur, path, runs, rng):
    """{kind: [(query, expected)]} drawn from the people under `path`."""
    from vigil.core.text import fold

    cur.execute(
        """SELECT id, id_number, phone, full_name, search_key FROM people_person
           WHERE area_path LIKE %s ORDER BY md5(id::text || %s) LIMIT %s""",
        [path + "%", str(rng.random()), runs * 8],
    )
    rows = cur.fetchall()
    with_id = [r for r in rows if r[1]][:runs]
    mobile9 = [r for r in rows if r[2].startswith("09")][:runs]
    picked = rows[:runs]
    cur.execute(
        """SELECT search_key, min(full_name) FROM people_person WHERE area_path LIKE %s
           GROUP BY search_key ORDER BY count(*), md5(search_key || %s) LIMIT %s""",
        [path + "%", str(rng.random()), runs],
    )
    rare = cur.fetchall()
    out = {
        "id": [(r[1], r) for r in with_id],
        "phone": [(spell_phone(r[2]), r) for r in mobile9],
        "name": [(r[4], r) for r in picked],
        "prefix": [(" ".join(r[4].split()[:-1]), r) for r in picked],
        "words": [(" ".join(r[4].split()[-2:]), r) for r in picked],
        "rare": [(key, (None, None, None, full_name, key)) for key, full_name in rare],
        "none": [
            (f"{' '.join(r[4].split()[:-1])} {nonsense(rng)}", None) for r in picked
        ],  # e.g. 'nguyen van zqxaq'
    }
    out["name"] = [(q, r) for q, r in out["name"] if fold(r[3]) == q]
    return out


def check(kind, query, expected, matches):
    """Correctness on the way; returns an error message or None."""
    from vigil.core.text import fold

    if kind == "id":
        ids = [m.person.pk for m in matches if m.kind == "id"]
        if not matches or matches[0].kind != "id" or expected[0] not in ids:
            return f"ID {query}: person {expected[0]} not first among ID matches"
    elif kind == "phone":
        if not matches or matches[0].kind != "phone" or matches[0].person.phone != expected[2]:
            return f"phone {query}: no phone match first"
    elif kind in ("name", "rare"):
        names = [m.person.full_name for m in matches if m.kind == "name"]
        if not matches or matches[0].kind != "name" or expected[3] not in names:
            return f"name {query!r}: {expected[3]!r} not found first"
    elif kind in ("prefix", "words"):
        # Prefix matches come first (none is an exact name), then names
        # containing every word; each must really match.
        words = query.split()
        stages = [m.kind for m in matches]
        if not matches or stages != sorted(stages, key=["name_prefix", "name_words"].index):
            return f"{kind} {query!r}: matches missing or out of rank order {stages}"
        for m in matches:
            key = fold(m.person.full_name)
            if m.kind == "name_prefix" and not key.startswith(query + " "):
                return f"{kind} {query!r}: {key!r} does not start with it"
            if not all(w in key for w in words):
                return f"{kind} {query!r}: {key!r} lacks a word"
    elif kind == "none" and matches:
        return f"nothing {query!r}: found {matches[0].person}"
    return None


# --- timing -----------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def search(user, query):
    from vigil.people.models import Person
    from vigil.people.services import search_people

    started = time.perf_counter()
    qs = Person.objects.visible_to(user).select_related("area")
    matches = search_people(qs, query, limit=20)
    for m in matches:
        m.person.area.name  # noqa: B018 - what the template touches
    return (time.perf_counter() - started) * 1000, matches


def explain(user, query):
    """EXPLAIN ANALYZE every statement one search runs."""
    from django.db import connection

    statements = []

    def record(execute, sql_text, params, many, context):
        statements.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(record):
        search(user, query)
    with connection.cursor() as cur:
        for sql_text, params in statements:
            print("   ", cur.mogrify(sql_text, params) if hasattr(cur, "mogrify") else sql_text)
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text, params)
            for (line,) in cur.fetchall():
                print("      ", line)


def main():
    args = parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://.../vigil_bench (this benchmark is for PostgreSQL)")
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_areas")
    # Production runs without DEBUG: no query log in the timed path.
    settings.DEBUG = False

    from vigil.accounts.models import User
    from vigil.areas.models import AdminUnit, Level

    fill_people(url, args.people, args.seed, args.reuse)
    vacuum_analyze(url)

    home = AdminUnit.objects.home_province()
    communes = AdminUnit.objects.active_tree().under(home).filter(level=Level.COMMUNE)
    # A ward of the city of Huế (the tests' insider commune), or any commune.
    commune = communes.filter(name="Phường Phú Nhuận").first() or communes.first()
    scopes = []
    for label, unit in [("province", home), ("commune", commune)]:
        user = User(username=f"bench.{label}", full_name=f"Bench {label}", is_active=True)
        user.jurisdiction = unit
        user.jurisdiction_path = unit.path
        scopes.append((label, unit, user))

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM people_person")
        total = cur.fetchone()[0]
        cur.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        collation = cur.fetchone()[0]
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
    print(f"\n{total:,} people, PostgreSQL {version}, collation {collation}")
    for label, unit, _ in scopes:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM people_person WHERE area_path LIKE %s", [unit.path + "%"]
            )
            print(f"  {label:8} {unit.full_name()} ({unit.path}): {cur.fetchone()[0]:,} people")

    rng = random.Random(args.seed)
    rows, errors, worst = [], [], (0.0, "")
    for label, unit, user in scopes:
        with connection.cursor() as cur:
            drawn = samples(cur, unit.path, args.runs, rng)
        for kind in KINDS:
            cases = drawn[kind]
            if args.explain:
                print(f"\n== {kind} / {label}: {cases[0][0]!r}")
                explain(user, cases[0][0])
            first, _ = search(user, cases[0][0])
            times, slowest = [], (0.0, "")
            for i in range(args.runs):
                query, expected = cases[i % len(cases)]
                elapsed, matches = search(user, query)
                times.append(elapsed)
                slowest = max(slowest, (elapsed, query))
                error = check(kind, query, expected, matches)
                if error:
                    errors.append(f"{kind}/{label}: {error}")
            p50, p95 = percentile(times, 50), percentile(times, 95)
            rows.append((kind, label, first, p50, p95, max(times), slowest[1]))
            if p95 > worst[0]:
                worst = (p95, f"{kind}/{label}")

    print(f"\n{args.runs} searches per line, limit=20, times in ms (first = first search of")
    print("that kind in this process, before the timed runs)\n")
    print(f"{'kind':8} {'scope':9} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}  slowest query")
    for kind, label, first, p50, p95, top, example in rows:
        flag = "  OVER BUDGET" if p95 > BUDGET_MS else ""
        print(
            f"{kind:8} {label:9} {first:7.1f} {p50:7.1f} {p95:7.1f} {top:7.1f}  {example!r}{flag}"
        )
    print()
    for error in errors[:20]:
        print("WRONG:", error)
    print(f"correctness: {'FAILED, ' + str(len(errors)) + ' wrong' if errors else 'ok'}")
    print(f"worst kind: {worst[1]}")
    print(f"people search p95 (worst kind): {worst[0]:.1f} ms at {total:,} people")
    return 1 if errors or worst[0] > BUDGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())
