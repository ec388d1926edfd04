"""How long the leaders' dashboard takes for a province leader.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_stats \\
        .venv/bin/python bench/dashboard.py [--runs 6]

Uses the database filled by bench/stats.py (2,000,000 declarations); renders
/reports/dashboard/ through the Django test client and prints each time, the
median and the slowest SQL statements of one run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "true")
os.environ.setdefault("VIGIL_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vigil_bench_stats")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client

    from vigil.accounts.models import User
    from vigil.areas.models import AdminUnit
    from vigil.declarations.models import Declaration
    from vigil.reports import tally

    # Other benchmarks' rolled-back writes leave dead rows in the tally; the
    # compaction timer of a deployment vacuums it (tallies --compact).
    tally.compact()
    tally.vacuum()
    leader, _created = User.objects.get_or_create(
        username="bench.leader", defaults={"full_name": "Bench leader"}
    )
    leader.tasks, leader.jurisdiction = ["leader"], AdminUnit.objects.home_province()
    leader.save()
    client = Client()
    client.force_login(leader)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get("/reports/dashboard/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    settings.DEBUG = True
    reset_queries()
    client.get("/reports/dashboard/")
    slowest = sorted(connection.queries, key=lambda q: -float(q["time"]))[:4]
    for query in slowest:
        print(f"{float(query['time']) * 1000:8.0f} ms  {query['sql'][:110]}")
    from _db import machine_speed  # bench/_db.py: the script folder is on sys.path

    print(machine_speed())
    print(
        f"dashboard (province leader, {Declaration.objects.count():,} declarations): "
        f"median {statistics.median(times):.0f} ms, runs {[round(t) for t in times]}"
    )


if __name__ == "__main__":
    main()
