"""Test results in a desktop Chromium (§II.8): a CDC officer ticks three people
on the "not tested" list and enters one RT-PCR sample for the whole group."""

import datetime

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration
from vigil.testing.models import TestResult

from ..conftest import PASSWORD
from .conftest import log_in


def test_a_cdc_officer_enters_a_pcr_result_for_a_batch_of_three(
    site, desktop_page, make_user, make_person, places
):
    make_user("cdc.phunhuan", places.commune, tasks=[Task.CDC])
    today = timezone.localdate()
    people = []
    for name in ("Trần Văn Một", "Lê Thị Hai", "Phạm Văn Ba"):
        person = make_person(places.commune, name)
        Declaration.objects.create(
            person=person, registration_kind="return_home", departure_country_id="VN",
            area=places.commune, address="5 Lý Thường Kiệt", transport="car",
            arrival_date=today - datetime.timedelta(days=1), channel="walk_in",
        )  # fmt: skip
        people.append(person)

    page = desktop_page
    log_in(page, site, "cdc.phunhuan", PASSWORD)
    page.goto(f"{site}/tests/")
    assert page.locator("#total").inner_text().endswith("3")
    for person in people:
        page.check(f"#pick-{person.pk}")
    page.click("#batch-selected")
    page.wait_for_selector("#save-batch")
    assert page.locator("#picked input[type=checkbox]:checked").count() == 3
    assert page.input_value("#id_sample_date") == today.strftime("%d/%m/%Y")
    page.fill("#id_batch_code", "NHOM-01")
    page.fill("#id_sampling_unit", "CDC Thành phố Huế")
    page.fill("#id_test_date", today.strftime("%d/%m/%Y"))
    page.select_option("#id_test_type", "pcr")
    page.select_option("#id_result", "negative")
    page.click("#save-batch")

    page.wait_for_selector(".alert-success")
    assert "NHOM-01" in page.locator(".alert-success").inner_text()
    assert page.locator("#tab-tested").get_attribute("class").endswith("active")
    for person in people:
        row = page.locator(f"#person-{person.pk}")
        assert row.locator(".test-count").inner_text() == "1"
        assert row.get_attribute("data-count") == "1"
    saved = TestResult.objects.filter(batch_code="NHOM-01")
    assert saved.count() == 3
    assert set(saved.values_list("test_type", "result")) == {("pcr", "negative")}
