"""Benchmark: the statistics tables and a large export on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_stats \\
        .venv/bin/python bench/stats.py [--declarations 2000000] [--reuse]

Creates the database if it is missing, migrates it, loads the administrative
units, fills people and declarations with COPY (N declarations over the
communes of the home province and the last 60 days, every channel, colour and
state), VACUUM ANALYZE, then times what the statistics pages compute
(`vigil.reports.stats.build_table`) for a province and a district leader, and
an Excel export of 500,000 declarations in a child process (wall time and peak
RSS). See bench/README.md for what it prints.
"""

import argparse
import array
import datetime
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC
from pathlib import Path

from _db import ensure_database, vacuum_analyze  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ["DJANGO_SETTINGS_MODULE"] = "vigil.settings"
os.environ["VIGIL_DEBUG"] = "true"

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_stats"
DAYS = 60
TARGETS_MS = {
    "province by district": 300.0,
    "district by commune": 200.0,
    "province by departure province": 300.0,
    "province by flight (planes)": 300.0,
}
EXPORT_TARGET_S, EXPORT_TARGET_MB = 60.0, 300.0
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

# Realistic shares (demo data and the seed's screens: mostly online).
CHANNELS = [("app", 40), ("web", 28), ("walk_in", 9), ("paper", 8), ("checkpoint", 9),
            ("establishment", 3), ("quarantine", 2), ("external_qr", 1)]  # fmt: skip
COLOURS = [("green", 85), ("yellow", 10), ("orange", 4), ("red", 1)]
KINDS = [("return_home", 70), ("student", 9), ("medical", 5), ("work", 11), ("transit", 2),
         ("other", 3)]  # fmt: skip
TRANSPORTS = [("car", 42), ("motorbike", 20), ("coach", 15), ("plane", 14), ("train", 9)]
SURVEILLANCE = [("home_monitoring", 60), ("home_quarantine", 25), ("self_monitoring", 10),
                ("concentrated", 5)]  # fmt: skip
FLIGHT_NUMBERS = ("1541", "1543", "1545", "212", "214", "1373", "1375", "7420", "7422", "1210",
                  "1212")  # fmt: skip
FLIGHTS = [f"{airline}{n}" for airline in ("VN", "VJ", "QH") for n in FLIGHT_NUMBERS]
TRAINS = [f"SE{n}" for n in range(1, 23)]
# Where people come from: the big cities most, then the neighbours.
DEPARTURE_PROVINCES = {"79": 30, "01": 20, "48": 15, "45": 8, "49": 6, "74": 5, "75": 5}
ABROAD = ["KR", "JP", "TW", "US", "LA", "TH", "DE", "AU"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--declarations", type=int, default=2_000_000, help="rows to fill")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the rows already there if the count matches"
    )
    parser.add_argument("--runs", type=int, default=30, help="timed runs per table")
    parser.add_argument("--export-rows", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument(
        "--fill-only", action="store_true", help="fill (unless reused) and stop: no timing"
    )
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each table's query")
    # Internal: the export runs in a child process so that its peak RSS is its own.
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    return parser.parse_args()


# --- database ---------------------------------------------------------------


# --- COPY text format -------------------------------------------------------


def text(value):
    """One value in COPY's text format (our values hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def template(model, now):
    """(column names, default texts) of `model` without its id: every column
    the rows below do not set keeps the model's default."""
    fields = [f for f in model._meta.concrete_fields if f.attname != "id"]
    defaults = []
    for f in fields:
        if f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        else:
            value = ""
        if f.attname in ("created_at", "updated_at"):
            value = now
        defaults.append(text(value))
    return [f.column for f in fields], [f.attname for f in fields], defaults


def weighted(rng, pairs):
    values = [v for v, _w in pairs]
    cum, total = [], 0
    for _v, w in pairs:
        total += w
        cum.append(total)
    return lambda: values[_bisect(cum, rng.random() * total)]


def _bisect(cum, x):
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] > x:
            hi = mid
        else:
            lo = mid + 1
    return lo


def code_of(n):
    """A unique 8-character declaration code for row n (a bijection mod 31^8)."""
    x = (n * 104_729 + 7_777) % len(CODE_ALPHABET) ** 8
    out = []
    for _ in range(8):
        x, r = divmod(x, len(CODE_ALPHABET))
        out.append(CODE_ALPHABET[r])
    return "".join(out)


def tested_rows(now):
    """(SQL, params) adding one test result for two in five declarations. The
    columns not set here take the model's default (a column added later with a
    default does not break the fill)."""
    from psycopg.types.json import Jsonb

    from vigil.testing.models import TestResult

    chosen = {
        "person_id": "d.person_id",
        "area_path": "d.area_path",
        "sample_date": "d.arrival_date + 1",
        "test_type": "'pcr'",
        "result": "CASE WHEN d.id %% 97 = 0 THEN 'positive' ELSE 'negative' END",
        "created_at": "now()",
    }
    columns, values, params = [], [], []
    for f in TestResult._meta.concrete_fields:
        if f.attname == "id":
            continue
        columns.append(f.column)
        if f.attname in chosen:
            values.append(chosen[f.attname])
            continue
        value = f.get_default() if f.has_default() else None if f.null else ""
        if f.attname == "updated_at":
            value = now
        values.append("%s")
        params.append(Jsonb(value) if isinstance(value, list | dict) else value)
    query = (
        f"INSERT INTO testing_testresult ({', '.join(columns)}) "  # noqa: S608 (model columns)
        f"SELECT {', '.join(values)} FROM declarations_declaration d WHERE d.id %% 5 < 2"
    )
    return query, params


def fill(url, count, seed, reuse):
    """TRUNCATE people and declarations and COPY `count` declarations (and about
    0.85 × count people: some people arrive twice). Returns False when reused."""
    from vigil.areas.models import AdminUnit, Level
    from vigil.core.text import fold
    from vigil.declarations.models import Declaration
    from vigil.people.models import Person
    from vigil.people.synthetic import people

    with psycopg.connect(url) as conn:
        existing = conn.execute("SELECT count(*) FROM declarations_declaration").fetchone()[0]
    if reuse and existing == count:
        print(f"reusing {existing:,} declarations")
        return False

    rng = random.Random(seed)
    tree = AdminUnit.objects.active_tree()
    home = AdminUnit.objects.home_province()
    communes = list(
        tree.under(home)
        .filter(level=Level.COMMUNE)
        .order_by("path")
        .values_list("pk", "path", "division_type")
    )
    # Wards of towns are denser than rural communes; and each commune its own.
    weight = {"Phường": 3.0, "Thị trấn": 2.0}
    weights = [weight.get(kind, 1.0) * rng.lognormvariate(0, 0.5) for _pk, _p, kind in communes]
    # People's homes are kept as indexes into this list (4 bytes a person at 10M).
    home_units = [(pk, path) for pk, path, _kind in communes]
    commune_pick = weighted(rng, [(i, w) for i, w in enumerate(weights)])
    # Paper is used unevenly: most communes hardly, some a lot (R-P3's ranking).
    paper_share = {pk: min(0.6, rng.expovariate(1 / 0.08)) for pk, _p, _k in communes}
    provinces = dict(tree.filter(level=Level.PROVINCE).values_list("code", "path"))
    by_province = {}
    for pk, path in tree.filter(level=Level.COMMUNE).values_list("pk", "path"):
        by_province.setdefault(path.split("/")[0], []).append(pk)
    others = [c for c in by_province if c != home.code]
    province_pick = weighted(
        rng, [(c, DEPARTURE_PROVINCES.get(c, 0.5)) for c in others if c in provinces]
    )

    now = datetime.datetime.now(UTC)
    today = datetime.date.today()
    # The daily volume rises and falls over the 60 days, like a wave of returns.
    day_pick = weighted(
        rng, [(d, 1 + 1.5 * math.exp(-(((d - 38) / 12) ** 2))) for d in range(DAYS)]
    )
    channel_pick, colour_pick = weighted(rng, CHANNELS), weighted(rng, COLOURS)
    kind_pick, transport_pick = weighted(rng, KINDS), weighted(rng, TRANSPORTS)
    surveillance_pick = weighted(rng, SURVEILLANCE)

    person_count = max(1, int(count * 0.85))
    p_cols, p_names, p_defaults = template(Person, now)
    d_cols, d_names, d_defaults = template(Declaration, now)
    pi = {name: n for n, name in enumerate(p_names)}
    di = {name: n for n, name in enumerate(d_names)}

    def copy_sql(table, cols):
        return sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, cols))
        )

    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        superuser = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()[0]
        if superuser:
            # No per-row foreign key triggers: every id comes from the tables just read.
            conn.execute("SET LOCAL session_replication_role = replica")
        conn.execute("TRUNCATE people_person, declarations_declaration RESTART IDENTITY CASCADE")
        dropped = []
        for table in ("people_person", "declarations_declaration"):
            # Secondary indexes are rebuilt once after the COPY, much faster
            # than maintaining twenty of them row by row.
            rows = conn.execute(
                """SELECT i.indexname, i.indexdef FROM pg_indexes i
                   WHERE i.schemaname = current_schema() AND i.tablename = %s
                     AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                     WHERE c.conindid = (quote_ident(i.indexname))::regclass)""",
                [table],
            ).fetchall()
            for name, _definition in rows:
                conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            dropped += rows

        # Per person, compact: the home commune's index and the phone as a
        # number (10 digits, leading 0), so that 8.5M people take ~100 MB.
        homes, phones = array.array("i"), array.array("q")
        keys = {}
        with conn.cursor() as cur, cur.copy(copy_sql("people_person", p_cols)) as copy:
            buffer = []
            for p in people(person_count, seed=seed):
                commune = commune_pick()
                area_id, area_path = home_units[commune]
                homes.append(commune)
                phones.append(int(p["phone"]))
                name = p["full_name"]
                key = keys.get(name)
                if key is None:
                    key = keys[name] = fold(name)
                row = p_defaults[:]
                row[pi["id_number"]] = p["id_number"]
                row[pi["id_kind"]] = p["id_kind"]
                row[pi["phone"]] = p["phone"]
                row[pi["full_name"]] = name
                row[pi["search_key"]] = key
                row[pi["birth_year"]] = str(p["birth_year"])
                row[pi["gender"]] = p["gender"]
                row[pi["occupation"]] = p["occupation"]
                row[pi["area_id"]] = str(area_id)
                row[pi["area_path"]] = area_path
                row[pi["address"]] = p["address"]
                buffer.append("\t".join(row))
                if len(buffer) >= 20_000:
                    copy.write("\n".join(buffer) + "\n")
                    buffer = []
            if buffer:
                copy.write("\n".join(buffer) + "\n")
        print(f"copied {person_count:,} people in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip

        copied_people = time.perf_counter()
        with conn.cursor() as cur, cur.copy(copy_sql("declarations_declaration", d_cols)) as copy:
            buffer = []
            for n in range(count):
                person = n + 1 if n < person_count else rng.randrange(person_count) + 1
                area_id, area_path = home_units[homes[person - 1]]
                channel = channel_pick()
                if channel != "paper" and rng.random() < paper_share[area_id]:
                    channel = "paper"
                colour = colour_pick()
                created = datetime.datetime.combine(
                    today - datetime.timedelta(days=DAYS - 1 - day_pick()),
                    datetime.time(rng.randrange(24), rng.randrange(60), rng.randrange(60)),
                    tzinfo=UTC,
                )
                arrival = created.date() + datetime.timedelta(days=rng.choice((-1, 0, 0, 0, 1, 2)))
                transport = transport_pick()
                if transport == "plane":
                    number = rng.choice(FLIGHTS)
                elif transport == "train":
                    number = rng.choice(TRAINS)
                elif transport == "motorbike" and rng.random() < 0.5:
                    number = ""
                else:
                    number = f"{rng.randrange(11, 99)}{rng.choice('ABCDEFGH')}-{rng.randrange(10**5):05d}"  # noqa: E501
                online = channel in ("app", "web")
                if online:
                    r = rng.random()
                    state = "pending" if r < 0.15 else "returned" if r < 0.9 else "failed"
                else:
                    state = "not_required"
                row = d_defaults[:]
                row[di["code"]] = code_of(n)
                row[di["person_id"]] = str(person)
                row[di["registration_kind"]] = kind_pick()
                if rng.random() < 0.03:
                    row[di["departure_country_id"]] = rng.choice(ABROAD)
                    row[di["departure_place"]] = "Sân bay quốc tế"
                    row[di["departure_unit_id"]] = "\\N"
                else:
                    row[di["departure_country_id"]] = "VN"
                    row[di["departure_unit_id"]] = str(rng.choice(by_province[province_pick()]))
                row[di["area_id"]] = str(area_id)
                row[di["area_path"]] = area_path
                row[di["address"]] = f"{rng.randint(1, 250)} Lê Lợi"
                row[di["transport"]] = transport
                row[di["transport_number"]] = number
                row[di["arrival_date"]] = arrival.isoformat()
                row[di["channel"]] = channel
                row[di["submitter_phone"]] = f"{phones[person - 1]:010d}" if online else ""
                if channel == "paper":
                    row[di["paper_form_number"]] = f"TK{n:07d}"
                    row[di["paper_form_date"]] = created.date().isoformat()
                if channel == "checkpoint":
                    row[di["checkpoint"]] = "Chốt Phong Điền"
                row[di["verification_state"]] = state
                row[di["medical_state"]] = (
                    "not_flagged" if colour == "green"
                    else "pending" if rng.random() < 0.3 else "verified"
                )  # fmt: skip
                if state == "returned":
                    row[di["surveillance"]] = surveillance_pick()
                level = [c for c, _w in COLOURS].index(colour)
                row[di["risk_level"]] = str(level)
                row[di["risk_colour"]] = colour
                row[di["risk_score"]] = str(level * 10)
                row[di["created_at"]] = row[di["updated_at"]] = created.isoformat()
                if row[di["medical_state"]] == "verified":
                    # The time CDC decided (transitions.transition sets it).
                    row[di["decided_at"]] = row[di["created_at"]]
                buffer.append("\t".join(row))
                if len(buffer) >= 20_000:
                    copy.write("\n".join(buffer) + "\n")
                    buffer = []
                if (n + 1) % 1_000_000 == 0:
                    print(f"  {n + 1:,} declarations", flush=True)
            if buffer:
                copy.write("\n".join(buffer) + "\n")
        copied = time.perf_counter()
        print(f"copied {count:,} declarations in {copied - copied_people:.1f} s", flush=True)
        for _name, definition in dropped:
            conn.execute(definition)
        print(f"rebuilt {len(dropped)} indexes in {time.perf_counter() - copied:.1f} s",
              flush=True)  # fmt: skip
        # Two in five arrivals tested a day after arriving (one result each).
        tested = time.perf_counter()
        conn.execute(*tested_rows(now))
        print(f"added test results in {time.perf_counter() - tested:.1f} s", flush=True)
    # The COPY ran without triggers (replica role): count the dashboard's tally.
    from vigil.reports import tally

    counting = time.perf_counter()
    tally.rebuild()
    print(f"counted the dashboard's tally in {time.perf_counter() - counting:.1f} s", flush=True)
    from django.db import connection

    from vigil.reports import rollups

    if set(rollups.TABLES) <= set(connection.introspection.table_names()):
        counting = time.perf_counter()
        rollups.rebuild()
        print(f"counted the rollups in {time.perf_counter() - counting:.1f} s", flush=True)
    print(f"generation: {time.perf_counter() - started:.1f} s in all", flush=True)
    return True


# --- timing -----------------------------------------------------------------


def percentile(values, p):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def leader(label, unit):
    from vigil.accounts.models import Task, User

    user, _created = User.objects.update_or_create(
        username=f"bench.{label}",
        defaults={"full_name": f"Bench {label}", "tasks": [Task.LEADER], "jurisdiction": unit},
    )
    return user


def time_table(user, query, rows="area", cols=""):
    from vigil.reports import stats

    started = time.perf_counter()
    table = stats.build_table(user, query, rows=rows, cols=cols)
    for row in table.rows:  # what the template touches
        row.total.url  # noqa: B018
        for cell in row.cells:
            cell.url  # noqa: B018
    return (time.perf_counter() - started) * 1000, table


def explain(user, query, rows, cols):
    from django.db import connection

    statements = []

    def record(execute, sql_text, params, many, context):
        statements.append((sql_text, params))
        return execute(sql_text, params, many, context)

    with connection.execute_wrapper(record):
        time_table(user, query, rows, cols)
    with connection.cursor() as cur:
        for sql_text, params in statements:
            if not any(t in sql_text for t in ("declarations_declaration", "reports_")):
                continue
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql_text, params)
            for (line,) in cur.fetchall():
                print("      ", line)


def time_page(client, url, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code
        times.append((time.perf_counter() - started) * 1000)
    return times


def export_child(args):
    """In the child process: write the export and report on stdout."""
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    from vigil.accounts.models import User
    from vigil.reports import exports, registry

    spec_args = json.loads(args.export_child)
    user = User.objects.get(username="bench.province")

    def build(user, query):
        qs, filters = registry.build_declarations(user, query)
        return qs[: spec_args["rows"]], filters

    spec = exports.ExportSpec(
        key="bench_stats",
        title="Danh sách người khai báo về địa phương",
        capability="statistics.read",
        build=build,
        columns=registry.declaration_columns(),
    )
    started = time.perf_counter()
    rows = exports.write(spec, user, spec_args["params"], spec_args["path"])
    elapsed = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": elapsed, "peak_mb": peak_rss_mb()}))


def peak_rss_mb():
    """This process's own peak RSS. Not getrusage(): on Linux a child's
    ru_maxrss starts from its parent's RSS at fork and survives exec, so after
    a fill (a parent of ~350 MB) it reported the parent, not the export.
    VmHWM belongs to the address space exec created."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_export(url, rows_wanted):
    """The newest `rows_wanted` declarations, by date of declaration, exported in
    a child process; returns (rows, wall s, write s, peak MB, file MB)."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from vigil.declarations.models import Declaration

    # The first day from which the newest declarations reach rows_wanted.
    per_day = (
        Declaration.objects.order_by()
        .values(day=TruncDate("created_at"))
        .annotate(n=Count("*"))
        .order_by("-day")
    )
    total, start = 0, None
    for item in per_day:
        total += item["n"]
        start = item["day"]
        if total >= rows_wanted:
            break
    params = {"date_on": ["created"], "date_from": [start.strftime("%d/%m/%Y")]}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        child_args = json.dumps({"rows": rows_wanted, "params": params, "path": str(path)})
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, __file__, "--export-child", child_args],
            capture_output=True,
            text=True,
            env={**os.environ, "DATABASE_URL": url},
            check=False,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stdout, done.stderr)
            sys.exit("the export failed")
        report = json.loads(done.stdout.strip().splitlines()[-1])
        # The child's own peak (VmHWM, see peak_rss_mb): the parent's
        # RUSAGE_CHILDREN counts the parent's own RSS inherited at fork.
        peak = report["peak_mb"]
        size = path.stat().st_size / 1024 / 1024
    return report["rows"], wall, report["seconds"], peak, size, params


def main():
    args = parse_args()
    if args.export_child:
        export_child(args)
        return 0
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://.../vigil_bench_stats (PostgreSQL only)")
    os.environ["DATABASE_URL"] = url
    ensure_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.http import QueryDict
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_areas")
    settings.DEBUG = False  # no query log in the timed path

    from vigil.areas.models import AdminUnit, Level
    from vigil.reports import rollups

    if fill(url, args.declarations, args.seed, args.reuse):
        vacuum_analyze(url)
    if args.fill_only:
        return 0

    home = AdminUnit.objects.home_province()
    district = (
        AdminUnit.objects.active_tree().under(home).filter(level=Level.DISTRICT)
        .filter(name="Thành phố Huế").first()
        or AdminUnit.objects.active_tree().under(home).filter(level=Level.DISTRICT).first()
    )  # fmt: skip
    province_leader, district_leader = leader("province", home), leader("district", district)

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM declarations_declaration")
        total = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM declarations_declaration WHERE area_path LIKE %s",
            [district.path + "%"],
        )
        in_district = cur.fetchone()[0]
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size('declarations_declaration'))")
        size = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM declarations_declaration WHERE transport = 'plane'")
        by_plane = cur.fetchone()[0]
        rollup_rows = {}
        for table in ("reports_declarationtally", *rollups.TABLES):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our table names)
            rollup_rows[table.removeprefix("reports_")] = cur.fetchone()[0]
    print(f"\n{total:,} declarations ({size} with indexes), PostgreSQL {version}")
    print(f"  province {home.name}: {total:,}; district {district.name}: {in_district:,}")
    print(
        "  rows of the tally and the rollups:",
        ", ".join(f"{t} {n:,}" for t, n in rollup_rows.items()),
    )

    empty = QueryDict("")
    planes = QueryDict("transport=plane")  # what the flights page asks by default
    since = (datetime.date.today() - datetime.timedelta(days=29)).strftime("%d/%m/%Y")
    arrived = f"date_on=arrival&date_from={since}"  # the last 30 days by arrival
    cases = [
        ("province by district", province_leader, "area", "", empty),
        ("province by district x colour", province_leader, "area", "colour", empty),
        ("district by commune", district_leader, "area", "", empty),
        ("district by commune x colour", district_leader, "area", "colour", empty),
        ("province by departure province", province_leader, "departure", "", empty),
        ("province by flight (planes)", province_leader, "vehicle", "", planes),
        ("departure, 30 days by arrival", province_leader, "departure", "", QueryDict(arrived)),
        ("flight, 30 days by arrival", province_leader, "vehicle", "",
         QueryDict(f"transport=plane&{arrived}")),
    ]  # fmt: skip
    results = []
    for label, user, rows, cols, query in cases:
        if args.explain:
            print(f"\n== {label}")
            explain(user, query, rows, cols)
        first, table = time_table(user, query, rows, cols)
        if query is empty:
            assert table.total.value == (total if user is province_leader else in_district)
        if query is planes:
            assert table.total.value == by_plane, (table.total.value, by_plane)
        times = [time_table(user, query, rows, cols)[0] for _ in range(args.runs)]
        results.append((label, first, percentile(times, 50), percentile(times, 95), max(times),
                        len(table.rows)))  # fmt: skip

    client = Client()
    pages = []
    for label, user, path in [
        ("page: province by district", province_leader, "/reports/stats/"),
        ("page: district by commune", district_leader, "/reports/stats/"),
    ]:
        client.force_login(user)
        time_page(client, path, 1)
        times = time_page(client, path, max(5, args.runs // 3))
        pages.append((label, percentile(times, 50), percentile(times, 95)))

    print(f"\n{args.runs} runs per table (build_table as the page calls it, links built),")
    print("times in ms; first = the first run in this process\n")
    print(f"{'table':34} {'rows':>5} {'first':>8} {'p50':>8} {'p95':>8} {'max':>8}")
    for label, first, p50, p95, top, n in results:
        budget = TARGETS_MS.get(label)
        flag = "  OVER TARGET" if budget and p95 > budget else ""
        print(f"{label:34} {n:5d} {first:8.1f} {p50:8.1f} {p95:8.1f} {top:8.1f}{flag}")
    for label, p50, p95 in pages:
        print(f"{label:34} {'':5} {'':8} {p50:8.1f} {p95:8.1f}")

    export = None
    if not args.skip_export:
        print(f"\nexporting {args.export_rows:,} rows in a child process ...", flush=True)
        export = run_export(url, args.export_rows)
        rows, wall, write_s, peak, size_mb, params = export
        print(f"  filters {params}: {rows:,} rows, {size_mb:.1f} MB file")

    by_label = {label: (p50, p95) for label, _f, p50, p95, _m, _n in results}
    failed = False
    print("\n--- figures ---")
    print(f"declarations: {total:,} (district {district.name}: {in_district:,})")
    for label, budget in TARGETS_MS.items():
        p50, p95 = by_label[label]
        ok = p95 <= budget
        failed |= not ok
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms (target < {budget:.0f} ms: "
              f"{'ok' if ok else 'MISSED'})")  # fmt: skip
    if export:
        rows, wall, write_s, peak, size_mb, _params = export
        ok = wall <= EXPORT_TARGET_S and peak <= EXPORT_TARGET_MB
        failed |= not ok
        print(f"export {rows:,} rows: {wall:.1f} s wall ({write_s:.1f} s writing), peak RSS "
              f"{peak:.0f} MB (targets < {EXPORT_TARGET_S:.0f} s, < {EXPORT_TARGET_MB:.0f} MB: "
              f"{'ok' if ok else 'MISSED'})")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
