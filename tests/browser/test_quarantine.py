"""A facility manager's day in a desktop Chromium (§II.9): intake of a person
found by phone into a free bed, then the end of the stay frees the bed."""

import datetime

from vigil.accounts.models import Task
from vigil.quarantine import services
from vigil.quarantine.models import Bed, Facility, Stay

from ..conftest import PASSWORD
from .conftest import log_in


def test_a_facility_manager_takes_in_a_person_and_ends_the_stay(
    site, desktop_page, make_user, make_person, places
):
    facility = Facility.objects.create(
        kind="concentrated", name="KCL Trường Bia", area=places.commune
    )
    manager = make_user("kcl.bia", places.commune, tasks=[Task.FACILITY], facility=facility)
    services.add_rooms(manager, facility, building="A", floors=[1], rooms=[1], beds_per_room=2)
    first, second = Bed.objects.order_by("label")
    # Bed 1 is taken; the person arrives from another district.
    services.take_in(
        manager,
        person=make_person(places.commune, "Ngô Thị Sẵn"),
        facility=facility,
        start_date=datetime.date(2021, 8, 1),
        bed=first,
    )
    person = make_person(places.far, "Đặng Văn Trình", phone="0977555666")

    page = desktop_page
    log_in(page, site, "kcl.bia", PASSWORD)
    page.goto(f"{site}/quarantine/intake/")
    page.fill("#search-q", "0977 555 666")
    page.keyboard.press("Enter")
    page.click(f"#take-in-{person.pk}")
    assert page.inner_text("#picked-name") == "Đặng Văn Trình"
    # Only the free bed is offered; choosing it shows who else sleeps in the room.
    offered = page.eval_on_selector_all("#id_bed option", "els => els.map(e => e.value)")
    assert str(second.pk) in offered and str(first.pk) not in offered
    page.select_option("#id_bed", str(second.pk))
    page.wait_for_selector(f"#room-bed-{first.pk}")
    assert "Ngô Thị Sẵn" in page.inner_text("#room-occupants")
    # No question is pre-answered: the person coughs, the rest is "no" by one click.
    assert not page.is_checked("#id_sym_cough_0") and not page.is_checked("#id_sym_cough_1")
    page.check("#id_sym_cough_0")
    page.click("#answer-rest-no")
    assert page.is_checked("#id_sym_fever_1") and page.is_checked("#id_sym_cough_0")
    page.click("#save")
    page.wait_for_selector(".alert-success")

    stay = Stay.objects.get(person=person)
    assert stay.bed == second
    assert stay.intake_answers["sym_cough"] is True and stay.intake_answers["sym_fever"] is False
    # Day 0, completed, no test: refused until a reason is given and confirmed.
    page.click("#end-save")
    page.wait_for_selector("#id_end-reason_error")
    assert Stay.objects.get(pk=stay.pk).end_date is None
    page.fill("#id_end-reason", "Chuyển cách ly tại nhà theo quyết định của CDC")
    page.check("#id_end-confirm")
    page.click("#end-save")
    page.wait_for_selector(".alert-success")
    stay.refresh_from_db()
    assert stay.end_date is not None

    page.click("#stay-facility")
    assert page.get_attribute(f"#bed-{second.pk}", "data-state") == "free"
    assert page.get_attribute(f"#bed-{first.pk}", "data-state") == "occupied"
