"""CDC triage in a desktop Chromium (Fig 8): the red count filters the queue, and
a medical verification with home quarantine takes the declaration out of it."""

import datetime
import importlib

from django.apps import apps
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations import services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration, MedicalState, Surveillance
from vigil.triage.models import RiskRule

from ..conftest import PASSWORD
from ..declarations.helpers import form_data
from .conftest import log_in


def default_rules():
    """The live server's database is flushed between browser tests, rules included."""
    if not RiskRule.objects.exists():
        importlib.import_module("vigil.triage.migrations.0002_default_rules").seed(apps, None)


def declare(place, n, **answers):
    data = form_data(
        place, full_name=f"Người Thứ {n}", id_number=f"04609000{n:04d}", phone=f"090511{n:04d}"
    )
    form = DeclarationForm({**data, **answers})
    assert form.is_valid(), form.errors
    return services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


def test_cdc_filters_the_red_ones_and_triages_one_into_home_quarantine(
    site, desktop_page, make_user, places
):
    default_rules()
    make_user("cdc.hue", places.district, tasks=[Task.CDC])
    red = [declare(places.commune, n, sym_fever="1", exp_case_contact="1") for n in (1, 2)]
    yellow = declare(places.neighbour, 3, sym_fever="1")
    assert [d.risk_colour for d in (*red, yellow)] == ["red", "red", "yellow"]

    page = desktop_page
    log_in(page, site, "cdc.hue", PASSWORD)
    page.goto(f"{site}/triage/")
    assert page.locator("#queue tbody tr.queue-row").count() == 3
    assert page.locator("#colour-red .count").inner_text() == "2"

    page.click("#colour-red")
    page.wait_for_url("**/triage/?colour=red")
    rows = page.locator("#queue tbody tr.queue-row")
    assert rows.count() == 2
    assert {rows.nth(i).get_attribute("data-colour") for i in range(2)} == {"red"}
    assert page.locator(f"#declaration-{yellow.pk}").count() == 0

    target = red[0]
    page.click(f"#verify-{target.pk}")
    page.wait_for_selector("#verify-form")
    start = timezone.localdate()
    end = start + datetime.timedelta(days=14)
    page.check("#verify-form input[name=symptoms_confirmed][value='1']")
    page.check(f"#verify-form input[name=surveillance][value='{Surveillance.HOME_QUARANTINE}']")
    page.fill("#id_surveillance_start", start.strftime("%d/%m/%Y"))
    page.fill("#id_surveillance_end", end.strftime("%d/%m/%Y"))
    page.fill("#id_note", "Sốt nhẹ, đã gọi điện")
    page.click("#save-verification")

    page.wait_for_url("**/triage/?colour=red")
    page.wait_for_selector(".alert-success")
    assert page.locator(f"#declaration-{target.pk}").count() == 0
    assert page.locator("#queue tbody tr.queue-row").count() == 1
    assert page.locator("#colour-red .count").inner_text() == "1"

    target = Declaration.objects.get(pk=target.pk)
    assert target.medical_state == MedicalState.VERIFIED
    assert target.surveillance == Surveillance.HOME_QUARANTINE
    assert (target.surveillance_start, target.surveillance_end) == (start, end)


def test_cdc_lists_an_epidemic_area_and_watches_the_reevaluation(
    site, desktop_page, make_user, places
):
    from vigil.areas.models import AdminUnit
    from vigil.jobs.models import Job
    from vigil.triage.models import EpidemicArea

    default_rules()
    cdc = make_user("cdc.tinh", places.province, tasks=[Task.CDC])
    sick = declare(places.commune, 1, sym_fever="1")  # from Hà Nội (form_data)
    assert sick.risk_colour == "yellow"
    hanoi = AdminUnit.objects.active_tree().get(code="01")
    hoan_kiem = hanoi.children.get(code="002")  # form_data departs from Ba Đình (001)

    page = desktop_page
    log_in(page, site, "cdc.tinh", PASSWORD)
    page.goto(f"{site}/triage/areas/")
    page.select_option("#id_province", str(hanoi.pk))
    # The district select is filled by htmx from /areas/options.
    page.wait_for_selector(f"#id_district option[value='{hoan_kiem.pk}']", state="attached")
    page.select_option("#id_district", str(hoan_kiem.pk))
    page.fill(
        "#id_start", (timezone.localdate() - datetime.timedelta(days=20)).strftime("%d/%m/%Y")
    )
    page.click("#save-area")
    page.wait_for_url("**/jobs/*/?back=areas")
    assert page.locator("#job").get_attribute("data-state") == "done"
    assert EpidemicArea.objects.get().unit == hoan_kiem
    # form_data departs from Phúc Xá in Ba Đình, not from Hoàn Kiếm: unchanged.
    assert Declaration.objects.get(pk=sick.pk).risk_colour == "yellow"

    # A running job's page polls itself until the job ends.
    job = Job.objects.create(
        kind="reevaluate_risk", created_by=cdc, total=10, done=4, state=Job.State.RUNNING
    )
    page.goto(f"{site}/jobs/{job.pk}/?back=rules")
    assert page.locator("#job-percent").inner_text() == "40"
    Job.objects.filter(pk=job.pk).update(state=Job.State.DONE, done=10)
    page.wait_for_selector("#job[data-state=done]", timeout=5_000)
    assert page.locator("#job-percent").inner_text() == "100"
