"""A facility manager's intake look-up (issue #12, finding 7): outside the
facility's district a person is found by exact ID number or phone only, shown
without commune or gender, each search is logged and searches are limited."""

import pytest

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.quarantine.models import Facility
from vigil.quarantine.worklists import FarPerson

from ..scope.samples import make_declaration


@pytest.fixture
def manager(make_user, places):
    facility = Facility.objects.create(kind="concentrated", name="KCL Test", area=places.commune)
    return make_user("kcl.lookup", places.commune, tasks=[Task.FACILITY], facility=facility)


def search(client, query):
    return client.get("/quarantine/intake/", {"q": query})


def test_a_person_of_another_district_is_shown_without_commune_or_gender(
    client, manager, make_person, places
):
    far = make_person(places.far, "Hồ Văn Xa", phone="0977123456", id_number="046290001234")
    declaration = make_declaration(far, places.far)
    client.force_login(manager)
    response = search(client, "046290001234")
    [(match, latest, _inside, _token)] = response.context["matches"]
    assert isinstance(match.person, FarPerson)
    assert (match.person.full_name, match.person.birth_year) == ("Hồ Văn Xa", 1990)
    assert latest.code == declaration.code and latest.arrival_date == declaration.arrival_date
    assert latest.risk_colour == declaration.risk_colour
    body = response.content.decode()
    table = body[body.index('id="people-found"') : body.index("</table>")]
    assert "Hồ Văn Xa" in table
    assert places.far.name not in body
    # Masked (the page repeats only the query typed, in its links).
    assert "046290001234" not in table and "0977123456" not in body


def test_no_name_or_partial_number_search_outside_the_district(
    client, manager, make_person, places
):
    make_person(places.far, "Hồ Văn Xa", phone="0977123456", id_number="046290001234")
    client.force_login(manager)
    assert search(client, "Hồ Văn Xa").context["matches"] == []
    assert search(client, "04629000").context["matches"] == []
    assert search(client, "0977123").context["matches"] == []


def test_each_search_is_logged_with_the_people_found(client, manager, make_person, places):
    far = make_person(places.far, "Hồ Văn Xa", phone="0977123456")
    client.force_login(manager)
    search(client, "0977123456")
    event = AuditEvent.objects.get(actor=manager, detail__lookup="intake_lookup")
    assert event.detail["people"] == [far.pk]
    assert event.detail["outside_district"] == [far.pk]
    assert event.ip == "127.0.0.1"


def test_searches_are_limited_per_account(client, manager, make_user, places, settings):
    settings.VIGIL_INTAKE_LOOKUPS_PER_HOUR = 3
    client.force_login(manager)
    for _n in range(3):
        assert search(client, "0977123456").status_code == 200
    response = search(client, "0977123456")
    assert response.status_code == 429
    assert response.context["matches"] is None
    assert AuditEvent.objects.filter(detail__lookup="intake_lookup").count() == 3
    # Another manager has their own count.
    other = make_user("kcl.other", places.commune, tasks=[Task.FACILITY], facility=manager.facility)
    client.force_login(other)
    assert search(client, "0977123456").status_code == 200
