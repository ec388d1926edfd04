"""Taps and time for a typical citizen declaration on a phone (issue #16).

Drives the public form (/khai-bao/new/) in Chromium at 390x844 for a person
with no symptoms, no exposure and no chronic condition, arriving today by car
from a commune of Hà Nội, and counts every tap the person makes on the form:
each click, each selection in a list and each field typed into counts as one.
Only what the form requires is entered (a required list is one that shows "*").
The phone verification before the form (phone number, SMS code) is not counted:
it is the same before and after.

The script adapts to the form it finds, so the same script measures the code
before and after a change: where a question group offers a "none of these"
control it taps it, otherwise it answers every row "No"; it picks a gender, a
registration kind and a means of transport only when none is pre-selected; a
"today" button is used when there is one, else the date is typed dd/mm/yyyy.

Run it (a test database test_<name> is created and dropped; villages are added
under the destination commune so that the village list is part of the form):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h8_taps VIGIL_TESTING=true \
        .venv/bin/python bench/citizen_taps.py [--runs 5]

Output: taps per kind, the total, and the time from the form's page load to the
result page (automation time: what the browser and server take, not a human).
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vigil.settings")
os.environ.setdefault("VIGIL_TESTING", "true")

PHONE_SIZE = {"width": 390, "height": 844}
CHROMIUM = os.environ.get("VIGIL_CHROMIUM", "/usr/bin/chromium")


class Taps:
    """Page actions that count themselves."""

    def __init__(self, page):
        self.page, self.kinds = page, {}

    def _count(self, kind):
        self.kinds[kind] = self.kinds.get(kind, 0) + 1

    def click(self, selector):
        self._count("click")
        self.page.locator(selector).first.click()

    def fill(self, selector, value):
        self._count("type")
        self.page.fill(selector, value)

    def select(self, selector, value, child=None):
        """Pick `value`; `child`: the list this one fills (htmx), waited for."""
        self._count("select")
        if child is None:
            self.page.select_option(selector, value)
            return
        with self.page.expect_response(lambda response: "/areas/options" in response.url):
            self.page.select_option(selector, value)
        self.page.wait_for_timeout(50)  # the swap, after the response

    @property
    def total(self):
        return sum(self.kinds.values())


def required(page, name):
    return page.locator(f"label[for=id_{name}] .text-danger").count() > 0


def first_option(page, name):
    return page.eval_on_selector(
        f"#id_{name}",
        "s => Array.from(s.options).map(o => o.value).filter(v => v !== '')[0] || ''",
    )


def declare(page, site, places, today):
    taps = Taps(page)
    started = time.perf_counter()
    page.goto(f"{site}/khai-bao/new/")
    taps.fill("#id_full_name", "Trần Thị Bình")
    taps.fill("#id_birth_year", "1988")
    if not page.input_value("#id_gender"):  # else pre-selected: no tap
        taps.select("#id_gender", "female")
    taps.fill("#id_id_number", "046188001234")
    if not page.input_value("#id_registration_kind"):
        taps.select("#id_registration_kind", "return_home")
    taps.select("#id_departure_province", str(places["hanoi"]), child="departure_district")
    for name, child in (("departure_district", "departure_commune"), ("departure_commune", None)):
        if required(page, name):
            taps.select(f"#id_{name}", first_option(page, name), child=child)
    taps.select("#id_area", str(places["commune"]), child="village")
    if required(page, "village") and first_option(page, "village"):
        taps.select("#id_village", first_option(page, "village"))
    taps.fill("#id_address", "12 Lê Lợi")
    if not page.input_value("#id_transport"):
        taps.select("#id_transport", "car")
    if page.locator("[data-date-today]:visible").count():
        taps.click("[data-date-today]")
    else:
        taps.fill("#id_arrival_date", today.strftime("%d/%m/%Y"))
    from vigil.declarations import questions

    for group, _label, items in questions.GROUPS:
        none = page.locator(f"[data-none-of={group}]:visible")
        if none.count():
            taps.click(f"[data-none-of={group}]")
        else:
            for key, _q in items:
                taps.click(f"#id_{key}_1")
    taps.click("#submit-declaration")
    page.wait_for_load_state()
    if page.locator("#form-has-errors").count():
        errors = page.locator(".invalid-feedback, .questions .text-danger.small").all_inner_texts()
        sys.exit(f"the form was refused: {errors}")
    page.wait_for_url(re.compile(re.escape(site) + r"/khai-bao/d/\w+/$"))
    return taps, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler as _StaticFilesHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test.testcases import LiveServerThread
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from bench._db import ensure_database

    ensure_database(settings.DATABASE_URL)
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    sms = ROOT / "var" / "bench-citizen-taps-sms.jsonl"
    sms.parent.mkdir(exist_ok=True)
    settings.VIGIL_SMS_BACKEND, settings.VIGIL_SMS_FILE = "file", str(sms)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        call_command("load_areas", verbosity=0)
        from vigil.areas.models import AdminUnit, Level
        from vigil.declarations.sms import FileBackend

        tree = AdminUnit.objects.active_tree()
        commune = tree.get(name="Phường Phú Nhuận", parent__name="Thành phố Huế")
        for n in (1, 2, 3):
            AdminUnit.objects.create(
                tree=commune.tree, code=f"{commune.code}V{n}", name=f"Tổ dân phố {n}",
                level=Level.VILLAGE, parent=commune, path=f"{commune.path}{commune.code}V{n}/",
            )  # fmt: skip
        places = {"hanoi": tree.get(code="01").pk, "commune": commune.pk}
        connection.close()
        server = LiveServerThread("localhost", _StaticFilesHandler, 0)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        if server.error:
            raise server.error
        site = f"http://localhost:{server.port}"
        outbox = FileBackend()
        results = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for run in range(args.runs):
                context = browser.new_context(
                    viewport=PHONE_SIZE, is_mobile=True, has_touch=True, locale="vi-VN"
                )
                page = context.new_page()
                phone = f"09051{run:05d}"
                page.goto(f"{site}/khai-bao/")
                page.fill("#id_phone", phone)
                page.click("#send-code")
                page.wait_for_url(f"{site}/khai-bao/code/")
                code = re.search(r"\b(\d{6})\b", outbox.messages(phone)[-1]["text"]).group(1)
                page.fill("#id_code", code)
                page.click("#verify-code")
                page.wait_for_url(f"{site}/khai-bao/mine/")
                taps, seconds = declare(page, site, places, timezone.localdate())
                results.append((taps, seconds))
                context.close()
            browser.close()
        taps = results[0][0]
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(taps.kinds.items()))
        times = sorted(s for _t, s in results)
        print(f"taps per kind: {kinds}")
        print(
            f"time from page load to result, {args.runs} runs: median "
            f"{statistics.median(times):.2f} s, max {times[-1]:.2f} s"
        )
        print(f"citizen declaration, no symptoms, 390x844: {taps.total} taps")
    finally:
        if server is not None:
            server.terminate()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
