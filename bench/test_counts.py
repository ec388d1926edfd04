"""The test lists' counts, as the page counts them and as the scope's prefix
query alone would (issue #15): "Tổng đối tượng" of "not tested" and "tested".

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_10m \\
        .venv/bin/python bench/test_counts.py [--repeat 7]

Nothing is written: unsaved accounts (CDC) of the home province, of
Phường Phú Nhuận and of its district, on a database filled by
`stats.py --fill-only`. For each
account and tab: `testing.queries.count_people` (what the page and the API
run: a commune with no unit below it on its one path, merged in person
order; a province's "not tested" in two parts), then `capped_count` of the
list's prefix query (the one statement every list ran before). One untimed
call each, then the median of `--repeat` calls (Python and SQL). The two
must give the same (n, capped), or the script stops.
"""

import argparse
import os
import statistics
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "false")
os.environ.setdefault("VIGIL_SECRET_KEY", "bench-test-counts-" + "x" * 40)

import django  # noqa: E402
from _db import unsaved_account  # noqa: E402 (bench/_db.py: the script folder is on sys.path)

django.setup()

from django.http import QueryDict  # noqa: E402

from vigil.accounts.models import Task  # noqa: E402
from vigil.areas.models import AdminUnit  # noqa: E402
from vigil.core.paging import capped_count  # noqa: E402
from vigil.declarations.models import Declaration  # noqa: E402
from vigil.testing import queries  # noqa: E402
from vigil.testing.forms import PeopleFilterForm  # noqa: E402

COMMUNE = "Phường Phú Nhuận"


def account(unit):
    return unsaved_account(unit, [Task.CDC])


def median_ms(count, repeat):
    result = count()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        count()
        times.append((time.perf_counter() - started) * 1000)
    return result, statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"load before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"declarations: {Declaration.objects.count():,}")
    commune = AdminUnit.objects.active_tree().get(name=COMMUNE)
    province = AdminUnit.objects.home_province()
    accounts = (
        ("province", account(province)),
        ("district", account(commune.parent)),
        ("commune", account(commune)),
    )
    for label, user in accounts:
        form = PeopleFilterForm(QueryDict(""), user=user)
        for tab in (queries.UNTESTED, queries.TESTED):
            people = queries.filter_people(user, form, tab)
            new, new_ms = median_ms(
                partial(queries.count_people, user, form, tab, people), args.repeat
            )
            old, old_ms = median_ms(partial(capped_count, people), args.repeat)
            if new != old:
                sys.exit(f"{label} {tab}: count_people {new} but the prefix query {old}")
            print(
                f"{label:9} {tab:9} {new[0]:>6,}{'+' if new[1] else ' '}  "
                f"count_people {new_ms:6.1f} ms   prefix query {old_ms:6.1f} ms",
                flush=True,
            )
    print(f"load after: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
