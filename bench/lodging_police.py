"""Benchmark of the police view of the establishments (issue 14, R-A2) on
PostgreSQL: `/lodging/police/` at 1,000 establishments and 1,000,000 guest
stays, p95 over repeated requests through django.test.Client as a province
police account and a commune police account (the cards and the drill-down
table, a district drilled into, the idle list, the two-establishments list):
target p95 < 200 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_lodging \\
        .venv/bin/python bench/lodging_police.py [--reuse] [--runs 20] [--stays 1000000]

1. Creates the database if it is missing, migrates it, loads the administrative
   units. Use a database of its own: refilling TRUNCATEs the people registry
   and every table that points at it.
2. Copies synthetic people (bench/people_search.py's `fill_people`, spread over
   every commune of the home province), gives each one a declaration (colours:
   2% red, 3% orange, 15% yellow), then with set-based SQL (INSERT ... SELECT
   generate_series): 1,000 establishments over the home province's communes
   (a tenth in Phường Phú Nhuận; 5% closed; every 25th gets no guest in the
   last 7 days: idle), and N stays spread over the last 365 days, 1 to 4
   nights each, a twelfth without a declaration, 0.5% never checked out. The
   guests in house tonight are the stays not yet at their check-out, a few
   thousand. VACUUM ANALYZE.
3. Times the page (2 warm-up requests, then `--runs`) per query and account.

The last lines are the figures for bench/README.md. Exit status 1 when the
target is missed.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from _db import ensure_database, vacuum_analyze  # bench/_db.py: the script folder is on sys.path
from quarantine_board import configure, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_lodging"
ESTABLISHMENTS = 1000
PAGE_BUDGET_MS = 200
COMMUNE = "Phường Phú Nhuận"
DOUBLE = "bench-twice"
KINDS = ("hotel", "guest_house", "homestay", "dormitory", "other")


def _declaration_columns():
    """(columns, SQL expressions, params) of an INSERT ... SELECT of one
    declaration per person `p`: every column the bench does not set keeps the
    model's default."""
    from vigil.declarations.models import Declaration

    overrides = {
        "departure_country_id": "'VN'",
        "area_id": "p.area_id",
        "area_path": "p.area_path",
        "transport": "'car'",
        "code": "'L' || lpad(p.id::text, 7, '0')",
        "person_id": "p.id",
        "registration_kind": "'return_home'",
        "arrival_date": "current_date - mod(p.id, 20)::int",
        "channel": "CASE WHEN mod(p.id, 3) = 0 THEN 'app' ELSE 'web' END",
        "risk_colour": (
            "CASE WHEN mod(p.id, 50) = 0 THEN 'red' WHEN mod(p.id, 33) = 0 THEN 'orange' "
            "WHEN mod(p.id, 7) = 0 THEN 'yellow' ELSE 'green' END"
        ),
        "idempotency_key": "NULL",
        "created_at": "now() - make_interval(days => (mod(p.id, 20))::int)",
        "updated_at": "now()",
    }
    columns, exprs, params = [], [], []
    for f in Declaration._meta.concrete_fields:
        if f.attname == "id":
            continue
        columns.append(f.column)
        if f.attname in overrides:
            exprs.append(overrides[f.attname])
        elif f.has_default():
            value = f.get_default()
            if isinstance(value, (dict, list)):
                exprs.append("%s::jsonb")
                params.append(json.dumps(value))
            else:
                exprs.append("%s")
                params.append(str(value) if hasattr(value, "label") else value)
        elif f.null:
            exprs.append("NULL")
        elif f.get_internal_type() == "BooleanField":
            exprs.append("false")
        else:
            exprs.append("''")
    return columns, exprs, params


def fill_lodging(url, stays):
    """Declarations, establishments and stays, set-based."""
    import psycopg

    started = time.perf_counter()
    columns, exprs, params = _declaration_columns()
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute(
            "TRUNCATE declarations_declaration, lodging_establishment, lodging_gueststay "
            "RESTART IDENTITY CASCADE"
        )
        # Ids in person order (the table was just emptied): declaration id = person id.
        conn.execute(
            f"INSERT INTO declarations_declaration ({', '.join(columns)}) "
            f"SELECT {', '.join(exprs)} FROM people_person p ORDER BY p.id",
            params,
        )
        print(f"declarations in {time.perf_counter() - started:.1f} s", flush=True)
        _fill_establishments(conn)
        _fill_stays(conn, stays)
        add_doubles(conn)
    print(f"lodging filled in {time.perf_counter() - started:.1f} s", flush=True)


def _fill_establishments(conn):
    """1,000 establishments: every tenth in Phú Nhuận, the rest over the
    communes of the home province in turn."""
    from vigil.areas.models import AdminUnit, Level

    home = AdminUnit.objects.home_province()
    communes = list(
        AdminUnit.objects.active_tree()
        .under(home)
        .filter(level=Level.COMMUNE)
        .order_by("path")
        .values_list("pk", "path", "name")
    )
    phunhuan = next(c for c in communes if c[2] == COMMUNE)
    conn.execute(
        """INSERT INTO lodging_establishment (name, kind, licence_number, area_id, area_path,
               address, rooms, phone, status, created_at, version)
           SELECT 'Cơ sở ' || g, (%s::text[])[1 + g %% 5], 'GP-' || g,
               CASE WHEN g %% 10 = 0 THEN %s ELSE (%s::int[])[1 + g %% %s] END,
               CASE WHEN g %% 10 = 0 THEN %s ELSE (%s::text[])[1 + g %% %s] END,
               g || ' Lê Lợi', 5 + g %% 60, '0905' || lpad(g::text, 6, '0'),
               CASE WHEN g %% 20 = 7 THEN 'closed' ELSE 'open' END,
               now() - interval '400 days', 1
           FROM generate_series(1, %s) g""",
        [
            list(KINDS),
            phunhuan[0],
            [c[0] for c in communes],
            len(communes),
            phunhuan[1],
            [c[1] for c in communes],
            len(communes),
            ESTABLISHMENTS,
        ],
    )


def _fill_stays(conn, stays):
    """N stays over the last 365 days; establishment g mod 1000 + 1, person a
    stride through the registry; every 25th establishment nothing in the last
    7 days; a twelfth without a declaration; 0.5 percent never checked out."""
    started = time.perf_counter()
    conn.execute(
        """INSERT INTO lodging_gueststay (establishment_id, person_id, declaration_id,
               area_path, room, check_in, planned_check_out, check_out, group_code, source,
               idempotency_key, created_at, version)
           SELECT s.eid, s.pid, CASE WHEN s.g %% 12 = 0 THEN NULL ELSE s.pid END,
               e.area_path, (100 + s.g %% 40)::text, s.ci,
               (s.ci + make_interval(days => s.nights))::date,
               CASE WHEN s.g %% 200 = 0 OR s.ci + make_interval(days => s.nights) > now()
                    THEN NULL ELSE s.ci + make_interval(days => s.nights) END,
               '', 'reception', '', s.ci, 1
           FROM (SELECT g, 1 + g %% %s AS eid,
                     1 + (g::bigint * 7919) %% (SELECT max(id) FROM people_person) AS pid,
                     1 + g %% 4 AS nights,
                     now() - make_interval(mins => ((g::bigint * 104729) %% 525600)::int)
                         - CASE WHEN (1 + g %% %s) %% 25 = 0 THEN interval '8 days'
                                ELSE interval '0' END AS ci
                 FROM generate_series(1, %s) g) s
           JOIN lodging_establishment e ON e.id = s.eid
           ORDER BY s.ci""",
        [ESTABLISHMENTS, ESTABLISHMENTS, stays],
    )
    print(f"{stays:,} stays in {time.perf_counter() - started:.1f} s", flush=True)


def add_doubles(conn):
    """A guest in two establishments tonight: for every 40th guest in house, a
    second stay at the next establishment (marked, so that a rerun replaces
    them and `--reuse` still counts N stays)."""
    conn.execute(f"DELETE FROM lodging_gueststay WHERE group_code = '{DOUBLE}'")
    conn.execute(
        """INSERT INTO lodging_gueststay (establishment_id, person_id, declaration_id,
               area_path, room, check_in, planned_check_out, check_out, group_code, source,
               idempotency_key, created_at, version)
           SELECT e.id, s.person_id, s.declaration_id, e.area_path, '1', s.check_in,
               s.planned_check_out, NULL, %s, 'reception', '', s.check_in, 1
           FROM lodging_gueststay s
           JOIN lodging_establishment e ON e.id = 1 + s.establishment_id %% %s
           WHERE s.check_out IS NULL AND s.id %% 40 = 0 AND s.group_code = ''""",
        [DOUBLE, ESTABLISHMENTS],
    )


def accounts():
    from vigil.accounts.models import Task, User
    from vigil.areas.models import AdminUnit, Level

    province = AdminUnit.objects.home_province()
    commune = (
        AdminUnit.objects.active_tree()
        .under(province)
        .filter(level=Level.COMMUNE, name=COMMUNE)
        .first()
    )
    made = []
    for username, unit in (("bench.police.tinh", province), ("bench.police.phunhuan", commune)):
        user, _created = User.objects.get_or_create(
            username=username, defaults={"full_name": username, "tasks": [Task.POLICE]}
        )
        user.jurisdiction, user.tasks = unit, [Task.POLICE]
        user.save()
        made.append(user)
    return made, commune


def queries(user, commune):
    if user.jurisdiction.pk == commune.pk:
        return [("page", ""), ("idle", "?show=idle"), ("twice", "?show=twice")]
    return [
        ("page", ""),
        ("district", f"?unit={commune.parent.pk}"),
        ("commune", f"?unit={commune.pk}"),
        ("idle", "?show=idle"),
        ("twice", "?show=twice"),
    ]


def bench_page(client, user, commune, label, runs):
    from django.urls import reverse

    client.force_login(user)
    worst = 0.0
    for name, query in queries(user, commune):
        url = reverse("lodging:police") + query
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        p95 = percentile(times, 0.95)
        worst = max(worst, p95)
        flag = "" if p95 < PAGE_BUDGET_MS else "  OVER BUDGET"
        print(
            f"{label:>8} {name:<9} p50 {statistics.median(times):7.1f} ms  "
            f"p95 {p95:7.1f} ms  max {max(times):7.1f} ms{flag}",
            flush=True,
        )
    return worst


def figures(users):
    from vigil.lodging import police

    for user in users:
        f = police.figures(user, user.jurisdiction)
        print(
            f"{user.username}: tonight {f.guests.value:,} guests in "
            f"{f.establishments.value:,} establishments, {f.undeclared.value:,} undeclared, "
            f"{f.red.value:,} red, {f.orange.value:,} orange, {f.idle.value:,} idle, "
            f"{f.twice.value:,} in two establishments",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--stays", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--reuse", action="store_true", help="keep the rows when they are there")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    configure()
    os.environ["VIGIL_SSL_REDIRECT"] = "false"  # the test client speaks plain HTTP
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from people_search import fill_people

    from vigil.lodging.models import Establishment, GuestStay

    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    refilled = fill_people(url, args.people, seed=14, reuse=args.reuse)
    if (
        refilled
        or GuestStay.objects.exclude(group_code=DOUBLE).count() != args.stays
        or Establishment.objects.count() != ESTABLISHMENTS
    ):
        fill_lodging(url, args.stays)
        vacuum_analyze(url)
    (province, station), commune = accounts()
    figures((province, station))
    client = Client()
    worst = 0.0
    for user, label in ((province, "province"), (station, "commune")):
        worst = max(worst, bench_page(client, user, commune, label, args.runs))
    print(
        f"lodging police view: p95 {worst:.0f} ms (worst query) at "
        f"{ESTABLISHMENTS:,} establishments and {args.stays:,} stays"
    )
    sys.exit(0 if worst < PAGE_BUDGET_MS else 1)


if __name__ == "__main__":
    main()
