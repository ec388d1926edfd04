"""Quick single-request timings of the declaration list and the people list.

    VIGIL_DEBUG=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/vigil_bench_2m \\
        .venv/bin/python bench/list_single.py [--repeat 5] [--only keyword]

Nothing is written: the views are called in this process (RequestFactory)
with an unsaved account (health station + CDC) of the home province and one of
Phường Phú Nhuận. For each page: one untimed request, then the median of
`--repeat` requests (whole view: queries and rendering), the mean time spent
in SQL (as Django measures it, DEBUG on) and the number of SQL statements.
A deep page follows `next` 20 times first and times the 21st
(rows 1,001-1,050), and a date jump goes 30 days back. The load average is
printed at the start and the end: the machine is shared.
"""

import argparse
import datetime
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_DEBUG", "true")

import django  # noqa: E402
from _db import unsaved_account  # noqa: E402 (bench/_db.py: the script folder is on sys.path)

django.setup()

from django.contrib.messages.storage.fallback import FallbackStorage  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import RequestFactory  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from vigil.accounts.models import Task  # noqa: E402
from vigil.areas.models import AdminUnit  # noqa: E402
from vigil.declarations.models import Declaration  # noqa: E402
from vigil.declarations.views.records import declaration_list  # noqa: E402
from vigil.people.views import person_list  # noqa: E402

COMMUNE = "Phường Phú Nhuận"


def account(unit):
    return unsaved_account(unit, [Task.HEALTH_STATION, Task.CDC])


def call(view, user, params):
    request = RequestFactory().get("/", params)
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    response = view(request)
    assert response.status_code == 200, response.status_code
    return response


def timed(view, user, params, repeat):
    call(view, user, params)
    times = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(repeat):
            started = time.perf_counter()
            call(view, user, params)
            times.append((time.perf_counter() - started) * 1000)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000 / repeat
    return statistics.median(times), sql_ms, len(queries) // repeat


def deep_params(user, params, pages=20):
    """The query string of the page after `pages` clicks on "next"."""
    for _ in range(pages):
        body = call(declaration_list, user, params).content.decode()
        link = re.search(r'href="\?([^"]*)" id="page-next"', body)
        if not link:
            break
        params = dict(parse_qsl(html.unescape(link.group(1))))
    return params


def pages(user, name, commune):
    today = timezone.localdate()
    week = {
        "date_from": (today - datetime.timedelta(days=7)).strftime("%d/%m/%Y"),
        "date_to": today.strftime("%d/%m/%Y"),
    }
    jump = (today - datetime.timedelta(days=30)).strftime("%d/%m/%Y")
    return [
        ("declarations first", declaration_list, {}),
        ("declarations jump 30 days", declaration_list, {"jump": jump}),
        ("declarations oldest", declaration_list, {"sort": "oldest"}),
        ("declarations channel paper", declaration_list, {"channel": "paper"}),
        ("declarations channel external_qr", declaration_list, {"channel": "external_qr"}),
        ("declarations kind student", declaration_list, {"kind": "student"}),
        ("declarations declared week", declaration_list, week),
        ("declarations arrival week", declaration_list, {"date_on": "arrival", **week}),
        ("declarations commune", declaration_list, {"commune": commune.pk}),
        ("declarations keyword name", declaration_list, {"q": name}),
        ("declarations keyword surname", declaration_list, {"q": "nguyen"}),
        ("declarations sort colour", declaration_list, {"sort": "colour"}),
        ("people first", person_list, {}),
        ("people name", person_list, {"q": name}),
    ]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--name", default="", help="the keyword (default: a name of the commune)")
    args = parser.parse_args()
    print(f"load before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"declarations: {Declaration.objects.count():,}")
    commune = AdminUnit.objects.active_tree().get(name=COMMUNE)
    province = AdminUnit.objects.home_province()
    sample = Declaration.objects.filter(area_path__startswith=commune.path).select_related(
        "person"
    )[0]
    name = args.name or sample.person.full_name
    print(f"keyword: {name!r}")
    for label, user in (("province", account(province)), ("commune", account(commune))):
        rows = pages(user, name, commune)
        deep = deep_params(user, {})
        rows.insert(1, ("declarations deep (page 21)", declaration_list, deep))
        for page, view, params in rows:
            if args.only and args.only not in page:
                continue
            reset_queries()
            ms, sql_ms, n = timed(view, user, params, args.repeat)
            flag = "" if ms < 100 else "  SLOW"
            print(
                f"{label:9} {page:36} {ms:8.1f} ms  (SQL {sql_ms:6.1f} ms, {n:2} queries){flag}",
                flush=True,
            )
    print(f"load after: {Path('/proc/loadavg').read_text().split()[:3]}")


if __name__ == "__main__":
    main()
