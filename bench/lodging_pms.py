"""Benchmark: a property-management system's batch of 500 check-ins (issue 14)
on PostgreSQL: target < 2 s to store it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_pms \\
        .venv/bin/python bench/lodging_pms.py [--runs 5] [--batch 500]

1. Creates the database if it is missing, migrates it, loads the
   administrative units; creates an open hotel in a commune of the home
   province and a PMS key for it (vigil.lodging.catalogue.issue_token).
2. Each run: makes (untimed) 100 people with an arrival declaration, then
   POSTs /api/v1/lodging/pms/check-ins through django.test.Client with the
   key: a batch of N guests with fresh idempotency keys and ID numbers, one in
   five naming an existing declaration by its code, the others undeclared
   (new people). Times the request; checks every guest was `created` and N
   stays were stored.
3. Retries the last batch: every guest must come back `existing` with the
   same stay, and no stay, person or declaration is created twice.

The last line is the figure for bench/README.md. Exit status 1 when the target
is missed or a result is wrong.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

from _db import ensure_database  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/vigil_bench_pms"
URL = "/api/v1/lodging/pms/check-ins"
TARGET_S = 2.0


def declared_people(commune, run, count):
    """`count` people with an arrival declaration each: [(person, code), ...]."""
    from vigil.declarations.models import Declaration
    from vigil.people.models import Person

    out = []
    for n in range(count):
        person = Person.objects.create(
            full_name=f"Khách Đã Khai {run}-{n}",
            id_number=f"09{run:04d}{n:06d}",
            id_kind="cccd",
            phone="",
            birth_year=1980 + n % 30,
            area=commune,
        )
        declaration = Declaration.objects.create(
            person=person,
            registration_kind="return_home",
            departure_country_id="VN",
            area=commune,
            address="1 Lê Lợi",
            transport="car",
            arrival_date=datetime.date.today(),
            channel="web",
        )
        out.append((person, declaration.code))
    return out


def batch(run, size, declared):
    """The guests of one batch: fresh keys and ID numbers."""
    tag = uuid.uuid4().hex[:8]
    when = (datetime.datetime.now().astimezone() - datetime.timedelta(hours=1)).isoformat()
    guests = []
    for n in range(size):
        guest = {
            "idempotency_key": f"bench-{tag}-{n}",
            "full_name": f"Khách Lưu Trú {run}-{n}",
            "birth_year": 1970 + n % 40,
            "gender": "male" if n % 2 else "female",
            "id_number": f"08{run:04d}{n:06d}",
            "phone": "",
            "room": str(100 + n % 60),
            "check_in": when,
        }
        if n % 5 == 0 and declared:
            person, code = declared.pop()
            guest.update(full_name=person.full_name, id_number=person.id_number)
            guest["declaration_code"] = code
        guests.append(guest)
    return {"guests": guests}


def counts():
    from vigil.declarations.models import Declaration
    from vigil.lodging.models import GuestStay
    from vigil.people.models import Person

    return (GuestStay.objects.count(), Person.objects.count(), Declaration.objects.count())


def timed_runs(client, commune, args, run_base):
    """([seconds, ...], the last batch, its answer); exits on a wrong result."""
    timings, body, answer = [], None, None
    for run in range(args.runs):
        declared = declared_people(commune, run_base + run, args.batch // 5)
        body = batch(run_base + run, args.batch, declared)
        before = counts()[0]
        started = time.perf_counter()
        response = client.post(URL, body, content_type="application/json")
        elapsed = time.perf_counter() - started
        answer = response.json()
        stored = counts()[0] - before
        if response.status_code != 200 or answer["created"] != args.batch:
            sys.exit(f"run {run}: {response.status_code} {str(answer)[:500]}")
        if stored != args.batch:
            sys.exit(f"run {run}: {stored} stays stored, not {args.batch}")
        load = os.getloadavg()[0]
        declared_n = sum(1 for g in answer["guests"] if g["declared"])
        timings.append(elapsed)
        print(f"run {run + 1}: {args.batch} check-ins in {elapsed:.2f} s "
              f"({declared_n} declared; load average {load:.1f})", flush=True)  # fmt: skip
    return timings, body, answer


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    from quarantine_board import configure

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

    from vigil.areas.models import AdminUnit, Level
    from vigil.lodging import catalogue
    from vigil.lodging.models import Establishment

    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    home = AdminUnit.objects.home_province()
    commune = (
        AdminUnit.objects.active_tree().under(home).filter(level=Level.COMMUNE).order_by("code")
    ).first()
    hotel = Establishment.objects.create(name="Khách sạn Bench PMS", kind="hotel", area=commune)
    secret = catalogue.issue_token(hotel, actor=None, name="bench")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    run_base = random.randrange(9000)  # ID numbers differ from an earlier run's
    client.post(URL, {"guests": []}, content_type="application/json")  # loads the URLs, untimed

    timings, body, answer = timed_runs(client, commune, args, run_base)
    before = counts()
    response = client.post(URL, body, content_type="application/json")
    again = response.json()
    same = [g["stay_id"] for g in again["guests"]] == [g["stay_id"] for g in answer["guests"]]
    if again["existing"] != args.batch or not same or counts() != before:
        sys.exit(f"retry created something: {again['created']} created, {counts()} vs {before}")
    print(f"retried batch: {again['existing']} existing, 0 created, nothing stored twice")

    median, worst = statistics.median(timings), max(timings)
    ok = worst < TARGET_S
    print(
        f"PMS batch of {args.batch} check-ins: median {median:.2f} s, max {worst:.2f} s "
        f"over {args.runs} runs (target < {TARGET_S:.0f} s): {'OK' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
