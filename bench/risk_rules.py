"""How long the risk engine takes over many declarations (issue: "evaluating
100,000 declarations takes seconds, not minutes").

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_risk \
        .venv/bin/python bench/risk_rules.py [--declarations 100000] [--reuse]

Creates the database if needed, fills it with synthetic declarations (random
answers: about one in five with a symptom or exposure, departures from all
provinces, two epidemic areas), then measures:

1. the engine alone: Ruleset.evaluate over every declaration already in memory;
2. the whole background job of a rule change (`triage.services.reevaluate`):
   reading in chunks, evaluating, writing back what changed.
"""

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

from _db import ensure_database  # bench/_db.py: the script folder is on sys.path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "true")
os.environ.setdefault("VIGIL_JOBS_EAGER", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vigil_bench_risk")


def fill(count):
    from vigil.areas.models import AdminUnit, Level
    from vigil.core.text import fold
    from vigil.declarations import questions
    from vigil.declarations.models import Declaration
    from vigil.people.models import Person
    from vigil.people.synthetic import people
    from vigil.triage.models import EpidemicArea

    Declaration.objects.all().delete()
    Person.objects.all().delete()
    home = AdminUnit.objects.home_province()
    communes = list(AdminUnit.objects.active_tree().under(home).filter(level=Level.COMMUNE))
    provinces = list(AdminUnit.objects.active_tree().filter(level=Level.PROVINCE))
    EpidemicArea.objects.all().delete()
    for code in ("79", "01"):  # Hồ Chí Minh City and Hà Nội, for the whole period
        EpidemicArea.objects.create(
            unit=AdminUnit.objects.active_tree().get(code=code), start=datetime.date(2021, 1, 1)
        )
    rng = random.Random(7)
    started = time.perf_counter()
    batch = 5000
    generator = people(count, seed=11)
    for n in range(0, count, batch):
        persons = []
        for fields in (next(generator) for _ in range(min(batch, count - n))):
            area = rng.choice(communes)
            persons.append(
                Person(
                    area=area, area_path=area.path, search_key=fold(fields["full_name"]), **fields
                )
            )
        Person.objects.bulk_create(persons)
        declarations = []
        for person in persons:
            answers = {key: rng.random() < 0.04 for key in questions.KEYS}
            declarations.append(
                Declaration(
                    person=person,
                    registration_kind="return_home",
                    departure_country_id="VN",
                    departure_unit=rng.choice(provinces),
                    area=person.area,
                    area_path=person.area_path,
                    address="1 Lê Lợi",
                    transport="car",
                    arrival_date=datetime.date(2021, 8, 1) + datetime.timedelta(rng.randrange(30)),
                    channel="web",
                    code=f"B{n + len(declarations):07d}",
                    **answers,
                )
            )
        Declaration.objects.bulk_create(declarations)
    print(f"filled {count:,} declarations in {time.perf_counter() - started:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from vigil.declarations.models import Declaration
    from vigil.triage import services
    from vigil.triage.engine import Ruleset

    call_command("migrate", verbosity=0)
    call_command("load_areas", verbosity=0)
    if not (args.reuse and Declaration.objects.count() == args.declarations):
        fill(args.declarations)
    Declaration.objects.update(risk_level=0, risk_score=0, risk_colour="green", risk_reasons=[])

    rows = list(Declaration.objects.select_related("person", "departure_unit"))
    ruleset = Ruleset.load()
    started = time.perf_counter()
    results = [ruleset.evaluate(d) for d in rows]
    engine = time.perf_counter() - started
    colours = {}
    for r in results:
        colours[r.colour] = colours.get(r.colour, 0) + 1
    print(f"engine alone: {len(rows):,} declarations in {engine:.2f} s "
          f"({len(rows) / engine:,.0f}/s); colours {colours}")  # fmt: skip

    del rows, results  # 100,000 model instances alive would slow the job's GC passes

    # The job starts from stored results that all differ from the new ones.
    Declaration.objects.update(risk_level=0, risk_score=0, risk_colour="green", risk_reasons=[])
    started = time.perf_counter()
    job = services.start_reevaluation(None)
    job.refresh_from_db()
    total = time.perf_counter() - started
    assert job.state == "done", job.error
    print(f"re-evaluation job (read, evaluate, write): {job.total:,} declarations in {total:.1f} s")
    print(f"risk re-evaluation of {job.total:,} declarations: {total:.1f} s "
          f"(engine alone {engine:.2f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
