"""Case tracing in a desktop Chromium (§II.10a): from the list screens, record
an F0, two F1s and an F2 (sources through the picker), confirm one F1
positive from its page, and see its F2 become F1 in the list."""

from vigil.accounts.models import Task
from vigil.investigation.models import Case

from ..conftest import PASSWORD
from .conftest import log_in


def record(page, site, places, name, kind="contact", code="", source_query="", source=None):
    page.goto(f"{site}/investigation/cases/")
    page.click("#case-new")
    page.select_option("#id_kind", kind)
    if kind == "contact":
        page.select_option("#id_contact_type", "household")
    if code:
        page.fill("#id_code", code)
    page.fill("#id_full_name", name)
    page.select_option("#id_residence", str(places.commune.pk))
    page.select_option("#id_detection", str(places.commune.pk))
    if source is not None:
        page.fill("#source-q", source_query)
        page.wait_for_selector(f"#source-results #source-{source.pk}")
        page.check(f"#source-{source.pk}")
        # A ticked row moves up into the chosen ones, with its contact date.
        page.wait_for_selector(f"#chosen-rows #source-{source.pk}")
        page.fill(f"#contact-date-{source.pk}", "01/08/2021")
    page.click("#save")
    page.wait_for_selector("#level")
    return Case.objects.get(person__full_name=name)


def test_record_a_chain_and_confirm_an_f1(site, desktop_page, make_user, places):
    make_user("cdc.tinh", places.province, tasks=[Task.CDC])
    page = desktop_page
    log_in(page, site, "cdc.tinh", PASSWORD)

    f0 = record(page, site, places, "Nguyễn Văn Gốc", kind="confirmed", code="BN1981")
    assert page.inner_text("#level") == "F0"
    f1a = record(page, site, places, "Lê Thị Một", source_query="BN1981", source=f0)
    assert page.inner_text("#level") == "F1"
    f1b = record(page, site, places, "Lê Văn Hai", source_query="BN1981", source=f0)
    f2 = record(page, site, places, "Trần Văn Ba", source_query="le thi mot", source=f1a)
    assert page.inner_text("#level") == "F2"
    assert [c.level for c in (f0, f1a, f1b, f2)] == [0, 1, 1, 2]

    page.goto(f"{site}/investigation/cases/")
    assert page.get_attribute(f"#case-{f2.pk}", "data-level") == "F2"
    page.click(f"#view-{f1a.pk}")
    page.fill("#id_confirm-code", "BN1982")
    page.fill("#id_confirm-confirmed_on", "02/08/2021")
    page.click("#confirm")
    page.wait_for_selector(".alert-success")
    assert page.inner_text("#level") == "F0"

    page.goto(f"{site}/investigation/cases/")
    assert page.get_attribute(f"#case-{f2.pk}", "data-level") == "F1"
    assert page.get_attribute(f"#case-{f1b.pk}", "data-level") == "F1"
    page.select_option("#id_level", "1")
    page.click("#filter-button")
    page.wait_for_selector(f"#case-{f2.pk}")
    assert page.locator(".case-row").count() == 2
