"""The "to take in" hand-off (finding 5, R-H1): CDC's decision "concentrated
quarantine" puts the person on the facilities' list; intake takes them off."""

import pytest

from vigil.accounts.models import Task
from vigil.core.menu import worklists_for
from vigil.quarantine import services
from vigil.quarantine.models import Facility
from vigil.quarantine.worklists import count_to_take_in, to_take_in

from ..scope.samples import make_declaration
from .conftest import DAY, TODAY

pytestmark = pytest.mark.usefixtures("english")


def test_a_cdc_decision_concentrated_puts_the_person_on_the_list(sent, cdc_hue, kcl_manager):
    assert list(to_take_in(cdc_hue)) == [sent]
    # The facility of the destination's district sees them before any stay.
    assert list(to_take_in(kcl_manager)) == [sent]
    assert count_to_take_in(kcl_manager) == 1


def test_other_decisions_and_undecided_declarations_are_not_on_it(
    make_person, places, cdc_hue, decide
):
    make_declaration(make_person(places.commune, "Chưa Quyết"), places.commune)
    decide(make_declaration(make_person(places.commune, "Tại Nhà"), places.commune), cdc_hue,
           surveillance="home_quarantine")  # fmt: skip
    assert not to_take_in(cdc_hue).exists()


def test_intake_takes_the_person_off_the_list(sent, kcl_manager, kcl_beds, kcl):
    services.take_in(
        kcl_manager, person=sent.person, facility=kcl, start_date=TODAY, bed=kcl_beds[0],
        declaration=sent,
    )  # fmt: skip
    assert not to_take_in(kcl_manager).exists()


def test_a_stay_ended_before_the_decision_does_not_count_as_intake(
    kcl_manager, kcl, make_person, places, cdc_hue, decide
):
    person = make_person(places.commune, "Đã Từng Cách Ly")
    stay = services.take_in(kcl_manager, person=person, facility=kcl, start_date=TODAY - 30 * DAY)
    services.end_stay(
        kcl_manager, stay, version=stay.version, end_date=TODAY - 10 * DAY, outcome="hospital"
    )
    sent = decide(make_declaration(person, places.commune), cdc_hue)
    assert list(to_take_in(kcl_manager)) == [sent]


def test_the_scope_neighbours_and_other_districts_facilities_do_not_see_them(
    sent, make_user, places, cdc_hue
):
    neighbour_cdc = make_user("cdc.vn", places.neighbour, tasks=[Task.CDC])
    far_facility = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    far_manager = make_user("kcl.xa", places.far, tasks=[Task.FACILITY], facility=far_facility)
    far_cdc = make_user("cdc.xa", places.other_district, tasks=[Task.CDC])
    for user in (neighbour_cdc, far_manager, far_cdc):
        assert not to_take_in(user).exists(), user
    assert count_to_take_in(far_manager) == 0


def test_the_page_lists_oldest_decision_first_with_filters_and_total(
    client, sent, make_person, places, cdc_hue, decide, kcl, kcl_manager
):
    later = decide(make_declaration(make_person(places.neighbour, "Lê Thị Sau"), places.neighbour),
                   cdc_hue)  # fmt: skip
    client.force_login(cdc_hue)
    response = client.get("/quarantine/to-take-in/")
    assert [d.pk for d in response.context["page"]] == [sent.pk, later.pk]
    assert response.context["total"] == 2
    body = response.content.decode()
    assert f'href="/quarantine/intake/?declaration={sent.pk}"' in body
    assert sent.person.phone not in body  # masked
    assert [d.pk for d in client.get("/quarantine/to-take-in/", {"q": "le thi sau"})
            .context["page"]] == [later.pk]  # fmt: skip
    filtered = client.get("/quarantine/to-take-in/", {"district": places.other_district.pk})
    assert filtered.context["total"] == 0
    by_facility = client.get("/quarantine/to-take-in/", {"facility": kcl.pk})
    assert by_facility.context["total"] == 2
    # The facility manager: the same two, the facility fixed.
    client.force_login(kcl_manager)
    assert client.get("/quarantine/to-take-in/").context["total"] == 2


def test_the_menu_and_the_home_page_count_the_list(client, sent, kcl_manager):
    counts = {url: n for _label, url, n in worklists_for(kcl_manager)}
    assert counts["/quarantine/to-take-in/"] == 1
    client.force_login(kcl_manager)
    assert client.get("/").context["counts"]["/quarantine/to-take-in/"] == 1


def test_receive_opens_the_intake_prefilled_from_the_declaration(client, sent, kcl_manager):
    client.force_login(kcl_manager)
    page = client.get("/quarantine/intake/", {"declaration": sent.pk})
    assert page.status_code == 200
    assert page.context["person"] == sent.person
    form = page.context["form"]
    assert form.initial["declaration"] == sent.pk
    assert form.initial["sym_fever"] == "1" and form.initial["sym_cough"] == "0"
    assert form.initial["planned_end"] == sent.surveillance_end
    assert 'id="answers-from-declaration"' in page.content.decode()


def test_receive_is_404_for_a_declaration_not_on_the_list(
    client, sent, make_user, places, make_person
):
    far_facility = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    far_manager = make_user("kcl.xa", places.far, tasks=[Task.FACILITY], facility=far_facility)
    client.force_login(far_manager)
    assert client.get("/quarantine/intake/", {"declaration": sent.pk}).status_code == 404
    assert client.get("/quarantine/intake/", {"declaration": "x"}).status_code == 404


def test_leaders_do_not_get_the_list(client, make_user, places):
    client.force_login(make_user("leader.tp", places.district, tasks=[Task.LEADER]))
    assert client.get("/quarantine/to-take-in/").status_code == 403


def test_the_page_does_not_query_per_row(
    client, cdc_hue, make_person, places, decide, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            person = make_person(places.commune, f"Người Chờ {i}")
            decide(make_declaration(person, places.commune), cdc_hue)

    add(1)
    client.force_login(cdc_hue)
    with django_assert_max_num_queries(20) as few:
        client.get("/quarantine/to-take-in/")
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/quarantine/to-take-in/")
    assert response.context["total"] == 11
