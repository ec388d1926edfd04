"""Verification at the home commune in a desktop Chromium (§II.4.2.2, Fig 7): a
commune verifies one arrival as returned with home quarantine and transfers
another to the commune the person really went to, whose staff then find it in
their own queue."""

import datetime

from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations import services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration, Surveillance, VerificationState

from ..conftest import PASSWORD
from ..declarations.helpers import form_data
from .conftest import log_in


def declare(area, full_name, id_number, phone):
    form = DeclarationForm(form_data(area, full_name=full_name, id_number=id_number, phone=phone))
    assert form.is_valid(), form.errors
    return services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


def test_a_commune_verifies_one_arrival_and_transfers_another(
    site, desktop_page, make_user, places
):
    make_user("community.phunhuan", places.commune, tasks=[Task.COMMUNITY])
    make_user("community.vinhninh", places.neighbour, tasks=[Task.COMMUNITY])
    home = declare(places.commune, "Nguyễn Văn Về", "046090001111", "0905000111")
    wrong = declare(places.commune, "Lê Thị Nhầm", "046090002222", "0905000222")
    page = desktop_page

    log_in(page, site, "community.phunhuan", PASSWORD)
    page.goto(f"{site}/verification/")
    assert page.locator("#queue tbody tr").count() == 2
    assert "0905000111" not in page.locator("#queue").inner_text()  # masked

    # Returned, under home quarantine for 14 days.
    page.click(f"#verify-{home.pk}")
    assert page.input_value("#id_full_name") == "Nguyễn Văn Về"
    page.check("#id_outcome_0")
    page.select_option("#id_surveillance", Surveillance.HOME_QUARANTINE)
    end = timezone.localdate() + datetime.timedelta(days=14)
    page.fill("#id_surveillance_end", end.strftime("%d/%m/%Y"))
    page.click("#verify-button")
    page.wait_for_selector(".alert-success")
    assert page.url == f"{site}/verification/"
    assert page.locator("#queue tbody tr").count() == 1

    # Declared in the wrong commune: transfer it to Vĩnh Ninh.
    page.click(f"#verify-{wrong.pk}")
    page.check("#id_outcome_2")
    page.select_option("#id_target", str(places.neighbour.pk))
    page.fill("#id_transfer_reason", "Ở với con tại Vĩnh Ninh")
    page.click("#verify-button")
    page.wait_for_selector(".alert-success")
    assert page.locator(f"#declaration-{wrong.pk}").count() == 0
    assert page.locator("#no-declarations").is_visible()

    home.refresh_from_db()
    assert home.verification_state == VerificationState.RETURNED
    assert home.surveillance == Surveillance.HOME_QUARANTINE
    assert home.surveillance_end == end
    assert Declaration.objects.get(pk=wrong.pk).area == places.neighbour

    # Vĩnh Ninh's staff find it in their queue, marked as transferred.
    page.context.clear_cookies()
    log_in(page, site, "community.vinhninh", PASSWORD)
    page.goto(f"{site}/verification/")
    row = page.locator(f"#declaration-{wrong.pk}")
    assert "Lê Thị Nhầm" in row.inner_text()
    assert row.locator(".transferred-from").count() == 1
