"""Benchmark of the epidemiological investigation (issue 13) on PostgreSQL:

(a) the chain graph data of an outbreak of 5,000 people over 5 generations
    (`vigil.investigation.graph.chain_graph`): target < 1 s;
(b) reclassifying an F1 with 2,000 people below it (`services.confirm_case`,
    the cascade included): target < 2 s;
(c) the case list `/investigation/cases/` at 1,000,000 case records, p95 over
    repeated requests (first page, a level filter, a district or commune
    filter, a keyword: a case code and a name) through django.test.Client as a
    province CDC account and a commune health station: target p95 < 200 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_inv \\
        .venv/bin/python bench/investigation.py [--reuse] [--runs 20] [--cases 1000000]

1. Creates the database if it is missing, migrates it, loads the administrative
   units. Use a database of its own: refilling TRUNCATEs the people registry
   and every table that points at it.
2. Copies N synthetic people (bench/people_search.py's `fill_people`, spread
   over every commune of the home province), then gives each one a case record
   with set-based SQL (INSERT ... SELECT, ids in person order): case ids
   1-5,000 are the outbreak (generations of 10, 90, 400, 1,500, 3,000, each
   linked to the one above, a tenth with a second source), then three trees of
   an F0, one F1 and 2,000 people below it (200 F2s, 1,800 F3s), then the rest:
   every tenth an F0 with a case code, the others contacts at F1-F3 spread
   over the last 60 days. VACUUM ANALYZE.
3. Times (a), (b) (one F1 per tree, each in its own transaction, then checked:
   the F2s below are F1s) and (c).

The last lines are the figures for bench/README.md. Exit status 1 when a
target is missed or a result is wrong.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from _db import ensure_database, vacuum_analyze  # bench/_db.py: the script folder is on sys.path
from quarantine_board import configure, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_inv"
GENERATIONS = (10, 90, 400, 1500, 3000)  # 5,000 people, F0 to F4
OUTBREAK = sum(GENERATIONS)
TREES, F2S, F3S = 3, 200, 1800
TREE = 2 + F2S + F3S  # F0, F1 and the 2,000 below the F1
GRAPH_BUDGET_S, CONFIRM_BUDGET_S, LIST_BUDGET_MS = 1.0, 2.0, 200


def fill_cases(url, count):
    """One case record per person, and the links of the outbreak and the trees."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
        conn.execute(
            "TRUNCATE investigation_case, investigation_caselink, investigation_outbreak "
            "RESTART IDENTITY CASCADE"
        )
        conn.execute(
            """INSERT INTO investigation_outbreak (name, area_id, area_path, address, status,
                   opened_on, created_at, version)
               SELECT 'Bench outbreak', id, path, '', 'active', current_date, now(), 1
               FROM areas_adminunit WHERE path = (SELECT min(area_path) FROM people_person)"""
        )
        # Ids in person order (the table was just emptied): 1..N.
        conn.execute(
            """INSERT INTO investigation_case (person_id, code, kind, classification,
                   contact_type, level, residence_id, residence_path, residence_street,
                   detection_id, area_path, quarantine_place, created_at, updated_at, version)
               SELECT p.id,
                   CASE WHEN p.id %% 10 = 0 THEN 'BN' || p.id ELSE '' END,
                   CASE WHEN p.id %% 10 = 0 THEN 'confirmed' ELSE 'contact' END,
                   '', CASE WHEN p.id %% 10 = 0 THEN '' ELSE 'household' END,
                   CASE WHEN p.id %% 10 = 0 THEN 0 ELSE 1 + p.id %% 3 END,
                   p.area_id, p.area_path, '', p.area_id, p.area_path, '',
                   now() - ((p.id * 7919) %% 86400) * interval '60 seconds',
                   now(), 1
               FROM people_person p ORDER BY p.id LIMIT %s""",
            [count],
        )
        _shape_outbreak(conn)
        _shape_trees(conn)
    print(f"filled {count:,} case records in {time.perf_counter() - started:.1f} s", flush=True)


def _link(conn, first, last, prev_first, prev_size, offset=0):
    conn.execute(
        """INSERT INTO investigation_caselink (contact_id, source_id, contact_date, note,
               created_at)
           SELECT i, %s + ((i - %s + %s) %% %s), current_date - 1, '', now()
           FROM generate_series(%s::int, %s::int) i""",
        [prev_first, first, offset, prev_size, first, last],
    )


def _shape_outbreak(conn):
    """Ids 1..5,000: generation k is level k, each linked to the one above."""
    first, prev_first, prev_size = 1, 0, 0
    for level, size in enumerate(GENERATIONS):
        last = first + size - 1
        if level == 0:
            values = "kind = 'confirmed', code = 'OB' || id, contact_type = ''"
        else:
            values = "kind = 'contact', code = '', contact_type = 'community'"
        conn.execute(
            f"UPDATE investigation_case SET level = %s, outbreak_id = 1, {values} "
            "WHERE id BETWEEN %s AND %s",
            [level, first, last],
        )
        if level:
            _link(conn, first, last, prev_first, prev_size)
        if level and prev_size > 1:
            # A tenth have a second source in the generation above.
            conn.execute(
                """INSERT INTO investigation_caselink (contact_id, source_id, contact_date,
                       note, created_at)
                   SELECT i, %s + ((i - %s + 1) %% %s), current_date - 1, '', now()
                   FROM generate_series(%s::int, %s::int) i
                   WHERE i %% 10 = 0""",
                [prev_first, first, prev_size, first, last],
            )
        prev_first, prev_size, first = first, size, last + 1


def _trees():
    """(F0, F1, first F2, first F3, last) of each tree."""
    for n in range(TREES):
        f0 = OUTBREAK + 1 + n * TREE
        yield f0, f0 + 1, f0 + 2, f0 + 2 + F2S, f0 + TREE - 1


def reset_trees(conn):
    """The trees as built: F0, F1, F2s, F3s (again after a run confirmed their F1s)."""
    for f0, f1, _f2_first, f3_first, last in _trees():
        conn.execute(
            """UPDATE investigation_case SET
                   level = CASE WHEN id = %s THEN 0 WHEN id = %s THEN 1
                                WHEN id < %s THEN 2 ELSE 3 END,
                   kind = CASE WHEN id = %s THEN 'confirmed' ELSE 'contact' END,
                   code = CASE WHEN id = %s THEN 'TR' || id ELSE '' END,
                   contact_type = CASE WHEN id = %s THEN '' ELSE 'household' END,
                   confirmed_on = NULL, reclassified_at = NULL
               WHERE id BETWEEN %s AND %s""",
            [f0, f1, f3_first, f0, f0, f0, f0, last],
        )


def _shape_trees(conn):
    """After the outbreak: F0, F1, then 200 F2s below the F1 and 1,800 F3s below them."""
    reset_trees(conn)
    for f0, f1, f2_first, f3_first, last in _trees():
        _link(conn, f1, f1, f0, 1)
        _link(conn, f2_first, f3_first - 1, f1, 1)
        _link(conn, f3_first, last, f2_first, F2S)


def bench_graph(user, runs=5):
    from vigil.investigation import graph
    from vigil.investigation.models import Outbreak

    outbreak = Outbreak.objects.get()
    # One untimed run first, as the list's requests: the first read of the
    # links comes from disk after the refill.
    graph.chain_graph(user, graph.outbreak_seeds(outbreak))
    times, data = [], None
    for _ in range(runs):
        started = time.perf_counter()
        data = graph.chain_graph(user, graph.outbreak_seeds(outbreak))
        times.append(time.perf_counter() - started)
    nodes, edges = len(data["nodes"]), len(data["edges"])
    levels = sorted({n["level"] for n in data["nodes"]})
    ok = nodes == OUTBREAK and levels == list(range(len(GENERATIONS)))
    print(
        f"(a) chain graph of {nodes:,} nodes, {edges:,} edges, levels {levels}: "
        f"median {statistics.median(times):.3f} s, max {max(times):.3f} s"
        + ("" if ok else "  WRONG")
    )
    return max(times), ok


def bench_confirm(user, url):
    import psycopg
    from django.db import transaction
    from django.db.models import Count

    from vigil.investigation import services
    from vigil.investigation.models import Case

    with psycopg.connect(url) as conn, conn.transaction():
        reset_trees(conn)
    times, ok = [], True
    for n, (_f0, f1_id, _f2, _f3, last) in enumerate(_trees()):
        f1 = Case.objects.get(pk=f1_id)
        started = time.perf_counter()
        with transaction.atomic():
            done = services.confirm_case(
                f1, actor=user, version=f1.version, code=f"BENCH{n}-{f1.version}",
                confirmed_on=None,
            )  # fmt: skip
        times.append(time.perf_counter() - started)
        below = Case.objects.filter(pk__gt=f1_id, pk__lte=last).order_by()
        levels = dict(below.values_list("level").annotate(n=Count("pk")))
        # Moved: the F1 itself (to F0) and the 2,000 below it.
        right = len(done.moved) == TREE - 1 and levels == {1: F2S, 2: F3S}
        if not right:
            print(f"WRONG: {len(done.moved)} moved, levels below {levels}")
        ok &= right
    print(
        f"(b) confirm an F1 with {TREE - 2:,} people below: "
        + ", ".join(f"{t:.3f} s" for t in times)
        + ("" if ok else "  WRONG")
    )
    return max(times), ok


def bench_list(client, user, label, queries, runs):
    client.force_login(user)
    worst = 0.0
    for name, query in queries:
        url = f"/investigation/cases/{query}"
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
        flag = "" if p95 < LIST_BUDGET_MS else "  OVER BUDGET"
        print(
            f"(c) {label:>8} {name:<9} p50 {statistics.median(times):7.1f} ms  "
            f"p95 {p95:7.1f} ms  max {max(times):7.1f} ms{flag}",
            flush=True,
        )
    return worst


def accounts():
    from vigil.accounts.models import Task, User
    from vigil.areas.models import AdminUnit, Level

    province = AdminUnit.objects.home_province()
    commune = (
        AdminUnit.objects.active_tree()
        .under(province)
        .filter(level=Level.COMMUNE, name="Phường Phú Nhuận")
        .first()
    )
    made = []
    for username, task, unit in (
        ("bench.cdc.tinh", Task.CDC, province),
        ("bench.tyt.phunhuan", Task.HEALTH_STATION, commune),
    ):
        user, _created = User.objects.get_or_create(
            username=username, defaults={"full_name": username, "tasks": [task]}
        )
        user.jurisdiction, user.tasks = unit, [task]
        user.save()
        made.append(user)
    return made, commune


def list_queries(user, commune):
    from vigil.investigation.models import Case

    sample = Case.objects.visible_to(user).filter(kind="confirmed").order_by("-id").first()
    name = " ".join(sample.person.search_key.split()[-2:])
    district = commune.parent
    area = f"?commune={commune.pk}" if user.jurisdiction.pk != commune.pk else "?level=0"
    return [
        ("first", ""),
        ("level", "?level=2"),
        ("area", area if user.jurisdiction.pk == commune.pk else f"?district={district.pk}"),
        ("code", f"?q={sample.code}"),
        ("name", f"?q={name.replace(' ', '+')}"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--cases", type=int, default=1_000_000)
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

    from vigil.investigation.models import Case

    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    refilled = fill_people(url, args.cases, seed=13, reuse=args.reuse)
    if refilled or Case.objects.count() != args.cases:
        fill_cases(url, args.cases)
        vacuum_analyze(url)
    (cdc, station), commune = accounts()

    graph_s, graph_ok = bench_graph(cdc)
    confirm_s, confirm_ok = bench_confirm(cdc, url)
    client = Client()
    worst = 0.0
    for user, label in ((cdc, "province"), (station, "commune")):
        worst = max(worst, bench_list(client, user, label, list_queries(user, commune), args.runs))

    print(f"investigation graph: {graph_s:.2f} s for {OUTBREAK:,} people over 5 generations")
    print(f"investigation cascade: {confirm_s:.2f} s for an F1 with {TREE - 2:,} people below")
    print(f"investigation case list: p95 {worst:.0f} ms (worst query) at {args.cases:,} records")
    ok = (
        graph_ok
        and confirm_ok
        and graph_s < GRAPH_BUDGET_S
        and confirm_s < CONFIRM_BUDGET_S
        and worst < LIST_BUDGET_MS
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
