"""People case tracing sends to a facility land on its "to take in" list (page,
API, menu count) until a stay begins there on or after the day they were sent."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.declarations import questions
from vigil.investigation import services
from vigil.investigation.models import CaseKind
from vigil.quarantine import services as quarantine
from vigil.quarantine.models import Facility
from vigil.quarantine.worklists import count_to_take_in, sent_by_case_tracing

DAY = datetime.date(2021, 7, 1)
ANSWERS = {key: False for key, _label in questions.EXPOSURES + questions.SYMPTOMS}


@pytest.fixture
def kcl(places):
    return Facility.objects.create(kind="concentrated", name="KCL Phú Nhuận", area=places.commune)


@pytest.fixture
def other_kcl(places):
    return Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)


@pytest.fixture
def manager(make_user, kcl):
    return make_user("kcl.pn", kcl.area, tasks=[Task.FACILITY], facility=kcl)


def send(case, facility, actor):
    return services.send_to_facility(case, actor=actor, version=case.version, facility=facility)


def test_a_sent_contact_is_on_the_facility_list_only(
    make_case, cdc, kcl, other_kcl, manager, make_user, places
):
    f0 = make_case(CaseKind.CONFIRMED)
    f1 = make_case(sources=[(f0, DAY)])
    other = make_case(sources=[(f0, DAY)])
    send(f1, kcl, cdc)
    send(other, other_kcl, cdc)
    assert [p.pk for p in sent_by_case_tracing(manager)] == [f1.person_id]
    assert {p.pk for p in sent_by_case_tracing(cdc)} == {f1.person_id, other.person_id}
    assert count_to_take_in(manager) == 1
    far_manager = make_user("kcl.far", places.far, tasks=[Task.FACILITY], facility=other_kcl)
    assert [p.pk for p in sent_by_case_tracing(far_manager)] == [other.person_id]


def test_the_page_and_the_api_show_them_and_intake_takes_them_off(
    client, make_case, cdc, kcl, manager
):
    f1 = make_case()
    send(f1, kcl, cdc)
    client.force_login(manager)
    page = client.get("/quarantine/to-take-in/")
    assert page.status_code == 200
    assert [p.pk for p in page.context["sent"]] == [f1.person_id]
    assert f'id="take-in-{f1.person_id}"' in page.content.decode()
    token = ApiToken.issue(manager, "test")[1]
    api = client.get(
        "/api/v1/quarantine/to-take-in/sent-by-case-tracing",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert api.status_code == 200, api.content
    assert [i["person_id"] for i in api.json()["items"]] == [f1.person_id]
    quarantine.admit(
        manager, facility=kcl, start_date=timezone.localdate(), person=f1.person, answers=ANSWERS
    )
    assert list(sent_by_case_tracing(manager)) == []


def test_a_stay_that_began_before_the_sending_does_not_count(make_case, cdc, kcl, manager):
    f1 = make_case()
    quarantine.admit(
        manager,
        facility=kcl,
        start_date=timezone.localdate() - datetime.timedelta(days=20),
        person=f1.person,
        answers=ANSWERS,
    )
    stay = f1.person.stays.get()
    quarantine.end_stay(
        manager,
        stay,
        version=stay.version,
        end_date=timezone.localdate() - datetime.timedelta(days=5),
        outcome="completed",
        reason="test",
        confirmed=True,
    )
    send(f1, kcl, cdc)
    assert [p.pk for p in sent_by_case_tracing(manager)] == [f1.person_id]
