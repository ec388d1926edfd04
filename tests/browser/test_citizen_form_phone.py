"""The citizen form on a phone and on a desktop (#16): "none of these" per
question group, a digits-only date, nothing pre-selected, fingers-sized
targets, keyboards that fit the field, the village required where there are
villages."""

import pytest
from django.utils import timezone

from vigil.areas.models import AdminUnit, Level
from vigil.declarations import questions

from .test_citizen_flow import PHONE, outbox, submitted_declaration, verify_phone  # noqa: F401

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


@pytest.fixture(params=sorted(SIZES))
def page(request, chromium):
    phone = request.param == "phone"
    context = chromium.new_context(viewport=SIZES[request.param], is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def villages_of(commune):
    return [
        AdminUnit.objects.create(
            tree=commune.tree,
            code=f"{commune.code}V{n}",
            name=f"Tổ dân phố {n}",
            level=Level.VILLAGE,
            parent=commune,
            path=f"{commune.path}{commune.code}V{n}/",
        )  # fmt: skip
        for n in (1, 2)
    ]


def small_targets(page, selector):
    boxes = page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.offsetParent !== null).map(e => {"
        " const r = e.getBoundingClientRect(); return [e.id || e.getAttribute('for'),"
        " r.width, r.height]; })",
    )
    assert boxes, selector
    return [box for box in boxes if box[1] < 44 or box[2] < 44]


def test_a_person_without_symptoms_declares_with_none_of_these_and_a_digits_only_date(
    site,
    page,
    outbox,  # noqa: F811
    places,
):
    village = villages_of(places.commune)[1]
    units = AdminUnit.objects.active_tree()
    hanoi, ba_dinh, phuc_xa = (units.get(code=code) for code in ("01", "001", "00001"))
    verify_phone(page, site, outbox, PHONE)
    page.click("#declare-self")
    page.wait_for_url(f"{site}/khai-bao/new/")

    # Nothing is answered for the person.
    for name in ("gender", "registration_kind", "transport"):
        assert page.input_value(f"#id_{name}") == "", name
    assert page.locator("#declaration-form input[type=radio]:checked").count() == 0
    # Keyboards that fit, targets a finger can hit.
    assert page.get_attribute("#id_id_number", "inputmode") == "numeric"
    assert page.get_attribute("#id_phone", "type") == "tel"
    page.select_option("#id_id_kind", "passport")
    assert page.get_attribute("#id_id_number", "inputmode") == "text"
    page.select_option("#id_id_kind", "cccd")
    assert page.get_attribute("#id_id_number", "inputmode") == "numeric"
    assert small_targets(page, ".questions .answer-target") == []
    assert small_targets(page, "[data-none-of], #declaration-form .form-control") == []
    assert small_targets(page, "#declaration-form .form-select, #submit-declaration") == []

    page.fill("#id_full_name", "Lê Thị Khoẻ")
    page.fill("#id_birth_year", "1990")
    page.select_option("#id_gender", "female")
    page.fill("#id_id_number", "046190001234")
    page.select_option("#id_registration_kind", "return_home")
    page.select_option("#id_departure_province", str(hanoi.pk))
    page.wait_for_selector(f"#id_departure_district option[value='{ba_dinh.pk}']", state="attached")
    assert page.locator("label[for=id_departure_district] .text-danger").count() == 1
    page.select_option("#id_departure_district", str(ba_dinh.pk))
    page.wait_for_selector(f"#id_departure_commune option[value='{phuc_xa.pk}']", state="attached")
    page.select_option("#id_departure_commune", str(phuc_xa.pk))
    page.select_option("#id_area", str(places.commune.pk))
    page.wait_for_selector(f"#id_village option[value='{village.pk}']", state="attached")
    assert page.locator("label[for=id_village] .text-danger").count() == 1
    page.fill("#id_address", "3 Hùng Vương")
    page.select_option("#id_transport", "car")
    today = timezone.localdate()
    page.fill("#id_arrival_date", today.strftime("%d%m%Y"))  # digits only
    for group, _label, _items in questions.GROUPS:
        page.click(f"[data-none-of={group}]")
        assert page.get_attribute(f"[data-none-of={group}]", "aria-pressed") == "true"
    assert page.locator("#declaration-form input[type=radio][value='0']:checked").count() == len(
        questions.KEYS
    )
    page.check("#id_sym_cough_0")  # one row changed back to "Yes" after the shortcut
    assert page.get_attribute("[data-none-of=symptoms]", "aria-pressed") == "false"
    page.check("#id_sym_cough_1")

    page.click("#submit-declaration")  # the village is missing
    page.wait_for_selector("#id_village_error")
    assert page.input_value("#id_arrival_date") in (
        today.strftime("%d/%m/%Y"),
        today.strftime("%d%m%Y"),
    )
    page.select_option("#id_village", str(village.pk))
    page.click("#submit-declaration")
    declaration = submitted_declaration(page, site)
    assert declaration.arrival_date == today
    assert declaration.village == village and declaration.departure_unit == phuc_xa
    assert not any(getattr(declaration, key) for key in questions.KEYS)
    assert declaration.person.gender == "female"


def test_today_and_the_calendar_fill_the_date(site, page, outbox, places):  # noqa: F811
    verify_phone(page, site, outbox, PHONE)
    page.click("#declare-self")
    page.wait_for_url(f"{site}/khai-bao/new/")
    page.click("[data-date-today]")
    assert page.input_value("#id_arrival_date") == timezone.localdate().strftime("%d/%m/%Y")
    # The phone's own calendar: what it picks (yyyy-mm-dd) is written dd/mm/yyyy.
    page.eval_on_selector(
        ".date-native",
        "el => { el.value = '2026-01-02'; el.dispatchEvent(new Event('change')); }",
    )
    assert page.input_value("#id_arrival_date") == "02/01/2026"
    assert page.is_visible("[data-date-pick]")
