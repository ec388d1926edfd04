"""Benchmark: the facility board (R-Q4) for a province with 50 facilities and
20,000 stays renders in under 200 ms on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_q \\
        .venv/bin/python bench/quarantine_board.py [--reuse] [--runs 30]

1. Creates the database if it is missing, migrates it, loads the administrative
   units (use a database of its own: refilling empties the quarantine tables and
   the people registry with TRUNCATE ... CASCADE).
2. Fills 50 facilities spread over the communes of the home province, each with
   one building of 5 floors x 20 rooms x 2 beds (10,000 beds), and 20,000 stays
   of 20,000 synthetic people: 7,500 in quarantine now (each in its own bed,
   started in the last 14 days, so some are due today and tomorrow) and 12,500
   ended over the last 75 days. Then VACUUM ANALYZE.
3. Times GET /quarantine/board/ through django.test.Client as a province CDC
   account, debug off (static files collected into a temporary folder), after
   3 untimed requests: N runs, p50 / p95 / max, and the number of SQL queries.

The last line is the figure for the release notes. Exit status 1 when the p95
is over 200 ms or the page does not show the 50 facilities.
"""

import argparse
import datetime
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _db import ensure_database  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_q"
FACILITIES = 50
STAYS = 20_000
OPEN_STAYS = 7_500
FLOORS, ROOMS, BEDS = 5, 20, 2
BUDGET_MS = 200


def configure():
    """A production-like configuration: debug off, like the deployed board."""
    static_root = tempfile.mkdtemp(prefix="vigil-bench-static-")
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "vigil.settings",
            "VIGIL_DEBUG": "false",
            "VIGIL_TESTING": "false",
            "VIGIL_SECRET_KEY": secrets.token_urlsafe(50),
            "VIGIL_ALLOWED_HOSTS": "testserver",
            "VIGIL_SECURE_COOKIES": "false",
            "VIGIL_STATIC_ROOT": static_root,
            "VIGIL_LOG_LEVEL": "ERROR",
        }
    )


def fill():
    from django.db import connection, transaction
    from django.utils import timezone

    from vigil.areas.models import AdminUnit, Level
    from vigil.core.text import fold
    from vigil.people.models import Person
    from vigil.people.synthetic import people
    from vigil.quarantine.models import Bed, Building, Facility, FacilityKind, Room, Stay

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE quarantine_stay, quarantine_bed, quarantine_room, quarantine_building, "
            "quarantine_facility, people_person CASCADE"
        )
    rng = random.Random(2021)
    home = AdminUnit.objects.home_province()
    communes = list(
        AdminUnit.objects.active_tree().under(home).filter(level=Level.COMMUNE).order_by("path")
    )
    kinds = [FacilityKind.CONCENTRATED] * 3 + [FacilityKind.MEDICAL, FacilityKind.PAID]
    today = timezone.localdate()
    with transaction.atomic():
        facilities = []
        step = max(len(communes) // FACILITIES, 1)
        for n in range(FACILITIES):
            area = communes[(n * step) % len(communes)]
            facilities.append(
                Facility(
                    kind=kinds[n % len(kinds)],
                    name=f"Khu cách ly số {n + 1:02d}",
                    area=area,
                    area_path=area.path,
                )
            )
        Facility.objects.bulk_create(facilities)
        buildings = Building.objects.bulk_create(
            [Building(facility=f, name="A") for f in facilities]
        )
        rooms = Room.objects.bulk_create(
            [
                Room(building=b, name=f"{floor}{number:02d}", floor=floor)
                for b in buildings
                for floor in range(1, FLOORS + 1)
                for number in range(1, ROOMS + 1)
            ]
        )
        beds = Bed.objects.bulk_create(
            [Bed(room=r, label=str(n)) for r in rooms for n in range(1, BEDS + 1)]
        )
        facility_of_room = {r.pk: r.building.facility for r in rooms}

        persons = []
        for fields in people(STAYS, seed=11):
            area = rng.choice(communes)
            persons.append(
                Person(
                    area=area, area_path=area.path, search_key=fold(fields["full_name"]), **fields
                )
            )
        Person.objects.bulk_create(persons, batch_size=5000)

        open_beds = rng.sample(beds, OPEN_STAYS)
        stays = []
        for n, person in enumerate(persons):
            if n < OPEN_STAYS:
                bed = open_beds[n]
                start = today - datetime.timedelta(days=rng.randrange(14))
                end = None
            else:
                bed = rng.choice(beds)
                start = today - datetime.timedelta(days=rng.randrange(14, 75))
                end = min(start + datetime.timedelta(days=rng.randint(10, 21)), today)
            facility = facility_of_room[bed.room_id]
            stays.append(
                Stay(
                    person=person,
                    facility=facility,
                    area_path=facility.area_path,
                    bed=bed,
                    start_date=start,
                    planned_end=start + datetime.timedelta(days=14),
                    end_date=end,
                    outcome="completed" if end else "",
                )
            )
        Stay.objects.bulk_create(stays, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(
        f"filled {FACILITIES} facilities, {len(beds):,} beds, {STAYS:,} stays "
        f"({OPEN_STAYS:,} open) in {time.perf_counter() - started:.1f} s"
    )


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the rows when they are there")
    args = parser.parse_args()
    configure()
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    ensure_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from vigil.accounts.models import Task, User
    from vigil.areas.models import AdminUnit
    from vigil.quarantine.models import Facility, Stay

    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    if not (
        args.reuse and Facility.objects.count() == FACILITIES and Stay.objects.count() == STAYS
    ):
        fill()
    user, _created = User.objects.get_or_create(
        username="bench.cdc.tinh",
        defaults={"full_name": "Bench CDC", "tasks": [Task.CDC]},
    )
    user.jurisdiction = AdminUnit.objects.home_province()
    user.tasks = [Task.CDC]
    user.save()

    client = Client()
    client.force_login(user)
    for _ in range(3):
        response = client.get("/quarantine/board/")
        assert response.status_code == 200, response.status_code
    body = response.content.decode()
    shown = body.count('id="board-') - body.count('id="board-daily"')
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        client.get("/quarantine/board/")

    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get("/quarantine/board/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    print(
        f"board as a province CDC account: {args.runs} runs, p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms, max {max(times):.1f} ms, {len(queries)} SQL queries, "
        f"{shown} facilities shown"
    )
    ok = p95 < BUDGET_MS and shown == FACILITIES
    if not ok:
        print(f"OVER BUDGET or WRONG: p95 {p95:.1f} ms (budget {BUDGET_MS} ms), {shown} shown")
    print(f"quarantine board: p95 {p95:.0f} ms ({FACILITIES} facilities, {STAYS:,} stays)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
