"""The citizens' public flow in Chromium (R-D3, R-D4; Fig 4, Fig 5): on a
390×844 phone, and the main flow (declare with "none of these" and a
digits-only date, get the QR, staff scan it) on a 1366×900 desktop too."""

import io
import re

import pytest
import zxingcpp
from django.utils import timezone
from PIL import Image

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.declarations import questions, services
from vigil.declarations.models import Declaration
from vigil.declarations.sms import FileBackend

from ..conftest import PASSWORD
from .conftest import ARTIFACTS, log_in
from .conftest import PHONE as PHONE_SIZE

PHONE = "0905123456"
OTHER_PHONE = "0912000111"


@pytest.fixture
def outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms-outbox.jsonl")
    return FileBackend()


def verify_phone(page, site, outbox, phone):
    page.goto(f"{site}/khai-bao/")
    page.fill("#id_phone", phone)
    page.click("#send-code")
    page.wait_for_url(f"{site}/khai-bao/code/")
    text = outbox.messages(phone)[-1]["text"]
    page.fill("#id_code", re.search(r"\b(\d{6})\b", text).group(1))
    page.click("#verify-code")
    page.wait_for_url(f"{site}/khai-bao/mine/")


@pytest.fixture(params=["phone", "desktop"])
def any_page(request):
    """A phone-sized page, then a desktop-sized one."""
    return request.getfixturevalue(f"{request.param}_page")


def fill_declaration(page, places, full_name, id_number, phone=None, shortcuts=False):
    """The whole form; with `shortcuts`, "none of these" per question group and
    the date typed as digits only (ddmmyyyy), as a hurried person does."""
    units = AdminUnit.objects.active_tree()
    hanoi, ba_dinh, phuc_xa = (units.get(code=code) for code in ("01", "001", "00001"))
    page.fill("#id_full_name", full_name)
    page.fill("#id_birth_year", "1985")
    page.select_option("#id_gender", "male")  # nothing is pre-selected
    page.fill("#id_id_number", id_number)
    if phone:
        page.fill("#id_phone", phone)
    page.select_option("#id_registration_kind", "return_home")
    page.select_option("#id_departure_province", str(hanoi.pk))
    page.wait_for_selector(f"#id_departure_district option[value='{ba_dinh.pk}']", state="attached")
    page.select_option("#id_departure_district", str(ba_dinh.pk))
    page.wait_for_selector(f"#id_departure_commune option[value='{phuc_xa.pk}']", state="attached")
    page.select_option("#id_departure_commune", str(phuc_xa.pk))
    page.select_option("#id_transport", "car")
    page.select_option("#id_area", str(places.commune.pk))
    page.fill("#id_address", "12 Lê Lợi")
    if shortcuts:
        page.fill("#id_arrival_date", timezone.localdate().strftime("%d%m%Y"))
        for group, _label, _items in questions.GROUPS:
            page.click(f"[data-none-of={group}]")
            assert page.get_attribute(f"[data-none-of={group}]", "aria-pressed") == "true"
        return
    page.fill("#id_arrival_date", timezone.localdate().strftime("%d/%m/%Y"))
    for key in questions.KEYS:
        page.check(f"#id_{key}_1")  # "No"


def submitted_declaration(page, site):
    page.wait_for_url(re.compile(re.escape(site) + r"/khai-bao/d/\w+/$"))
    return Declaration.objects.get(code=page.url.rstrip("/").rsplit("/", 1)[1])


def assert_fits_a_phone(page, shot=None):
    """No sideways scrolling at the page's width (a phone's, or a desktop's)."""
    screen = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    kind = "phone" if screen <= PHONE_SIZE["width"] else "desktop"
    assert width <= screen, f"{page.url} is {width}px wide on a {screen}px {kind}"
    if shot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"citizen-{shot}-{kind}.png"), full_page=True)


def test_a_citizen_declares_gets_a_qr_and_staff_scan_it(site, any_page, outbox, places, make_user):
    page = any_page
    verify_phone(page, site, outbox, PHONE)
    page.click("#declare-self")
    page.wait_for_url(f"{site}/khai-bao/new/")
    assert page.input_value("#id_phone") == PHONE
    assert_fits_a_phone(page)

    # 11 digits: refused, and everything typed or chosen is kept.
    fill_declaration(page, places, "Trần Văn Khách", "04609000123", shortcuts=True)
    page.click("#submit-declaration")
    page.wait_for_selector("#id_id_number_error")
    assert page.input_value("#id_full_name") == "Trần Văn Khách"
    assert page.is_checked("#id_sym_fever_1")
    assert page.locator("#declaration-form input[type=radio][value='0']:checked").count() == len(
        questions.KEYS
    )
    assert Declaration.objects.count() == 0
    assert_fits_a_phone(page, "form-error")

    page.fill("#id_id_number", "046090001234")
    page.click("#submit-declaration")
    declaration = submitted_declaration(page, site)
    assert declaration.person.full_name == "Trần Văn Khách"
    assert declaration.arrival_date == timezone.localdate()  # typed as ddmmyyyy
    assert not any(getattr(declaration, key) for key in questions.KEYS)
    assert page.inner_text("#short-code").strip() == declaration.code
    assert_fits_a_phone(page, "qr")

    qr = page.locator("#qr")
    qr.scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('qr').naturalWidth > 0")
    shot = Image.open(io.BytesIO(qr.screenshot()))
    decoded = zxingcpp.read_barcode(shot)
    assert decoded is not None, "the QR on the page does not decode"
    assert decoded.text == services.qr_payload(declaration)

    make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    log_in(page, site, "hs.phunhuan", PASSWORD)
    page.goto(f"{site}/declarations/scan/")
    page.fill("#payload", decoded.text)
    page.click("#scan-submit")
    page.wait_for_url(f"{site}/declarations/{declaration.pk}/")
    assert page.inner_text("#declaration-name").strip() == "Trần Văn Khách"


def test_a_citizen_declares_on_behalf_of_a_parent(site, phone_page, outbox, places):
    page = phone_page
    verify_phone(page, site, outbox, PHONE)
    page.click("#declare-proxy")
    page.wait_for_url(f"{site}/khai-bao/new/?proxy=1")
    assert page.input_value("#id_phone") == ""

    fill_declaration(page, places, "Nguyễn Thị Mẹ", "046060001111", phone=OTHER_PHONE)
    page.click("#submit-declaration")
    page.wait_for_selector("#id_proxy_relation_error")  # the relation is required
    page.fill("#id_proxy_relation", "Con trai")
    page.click("#submit-declaration")
    declaration = submitted_declaration(page, site)
    assert declaration.is_proxy and declaration.proxy_relation == "Con trai"
    assert declaration.submitter_phone == PHONE
    assert declaration.person.phone == OTHER_PHONE

    page.click("#mine-link")
    page.wait_for_url(f"{site}/khai-bao/mine/")
    item = page.locator(f"#decl-{declaration.code}")
    assert "Nguyễn Thị Mẹ" in item.inner_text()
    assert "Con trai" in item.inner_text()
    assert_fits_a_phone(page, "mine")


def test_after_staff_decided_the_citizen_amends_on_the_phone_without_rewriting_the_record(
    site, phone_page, outbox, places, make_user
):
    import datetime
    import importlib

    from django.apps import apps

    from vigil.declarations.models import Surveillance
    from vigil.triage.services import medical_verify

    # The rules and bands (a live-server test empties every table before).
    importlib.import_module("vigil.triage.migrations.0002_default_rules").seed(apps, None)
    page = phone_page
    verify_phone(page, site, outbox, PHONE)
    page.click("#declare-self")
    page.wait_for_url(f"{site}/khai-bao/new/")
    fill_declaration(page, places, "Trần Văn Sốt", "046090001234")
    page.check("#id_sym_fever_0")  # "Yes"
    page.check("#id_sym_cough_0")
    page.click("#submit-declaration")
    declaration = submitted_declaration(page, site)
    colour = declaration.risk_colour
    assert colour in ("orange", "red")
    cdc = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    today = timezone.localdate()
    medical_verify(
        declaration, actor=cdc, version=declaration.version, symptoms_confirmed=True,
        surveillance=Surveillance.CONCENTRATED, start=today,
        end=today + datetime.timedelta(days=14),
    )  # fmt: skip

    page.goto(f"{site}/khai-bao/d/{declaration.code}/edit/")
    assert page.is_visible("#locked-identity")
    assert page.is_disabled("#id_full_name") and page.is_disabled("#id_id_number")
    for key in questions.KEYS:
        page.check(f"#id_{key}_1")  # every answer "No" now
    page.fill("#id_correction_note", "Tên đúng là Trần Văn Sơn")
    assert_fits_a_phone(page, "amend-after-decision")
    page.click("#submit-declaration")
    page.wait_for_url(f"{site}/khai-bao/d/{declaration.code}/")
    declaration.refresh_from_db()
    assert declaration.risk_colour == colour and declaration.proposed_colour == "green"
    assert declaration.surveillance == Surveillance.CONCENTRATED
    assert declaration.person.full_name == "Trần Văn Sốt"
    assert declaration.amended_after_decision
    assert declaration.events.get(action="correction_requested").note.endswith("Trần Văn Sơn")
