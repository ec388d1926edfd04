"""Statistics in a desktop Chromium (§II.6, Fig 9): a province leader clicks a
district's number, then a commune's, reaches the list of the people behind
it and exports that list to Excel."""

import io
import re

import openpyxl

from vigil.accounts.models import Task

from ..conftest import PASSWORD
from ..reports.test_stats import PERIOD, build_world
from .conftest import log_in


def number(text):
    return int(re.sub(r"\D", "", text))


def test_a_province_leader_drills_down_to_the_people_and_exports_them(
    site, desktop_page, make_user, make_person, places
):
    build_world(places, make_person)
    make_user("leader.tinh", places.province, tasks=[Task.LEADER])
    page = desktop_page
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    log_in(page, site, "leader.tinh", PASSWORD)
    page.goto(f"{site}/reports/stats/?date_from={PERIOD['date_from']}&date_to={PERIOD['date_to']}")
    assert number(page.inner_text("#stats-total td.total")) == 8
    # The chart is drawn from the JSON block, under the Content-Security-Policy.
    page.wait_for_function("() => !!document.querySelector('canvas[data-chart]').chart")

    # Province → district: the district's number opens the table of its communes.
    district = page.locator(f'#stats-table tr[data-key="{places.district.pk}"] td.total a')
    assert number(district.inner_text()) == 6
    district.click()
    page.wait_for_url(re.compile(rf"district={places.district.pk}"))
    assert number(page.inner_text("#stats-total td.total")) == 6
    assert places.district.name in page.inner_text("#stats-crumbs")

    # District → commune: the commune's number opens the list of its people.
    commune = page.locator(f'#stats-table tr[data-key="{places.commune.pk}"] td.total a')
    assert number(commune.inner_text()) == 4
    commune.click()
    page.wait_for_url(re.compile(r"/declarations/\?"))
    assert number(page.inner_text("#total")) == 4
    assert page.locator("#declarations tbody tr").count() == 4

    # The list, exported with its filters.
    with page.expect_download() as download:
        page.click("#export-declarations")
    assert download.value.suggested_filename.endswith(".xlsx")
    content = io.BytesIO(download.value.path().read_bytes())
    sheet = openpyxl.load_workbook(content, read_only=True).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if any(r)]
    assert len(rows) == 4
    names = {r[1] for r in rows}
    assert names == {"Người Thứ 1", "Người Thứ 2", "Người Thứ 3", "Người Thứ 4"}
    assert refused == []
