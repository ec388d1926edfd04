"""A positive result leads somewhere (R-H1, issue 10 finding 5): CDC's worklist
"Dương tính, chưa mở ca bệnh", its count on the home menu, and "Ghi nhận đã
xử lý" until the investigation module opens an F0 case."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.core.menu import worklists_for
from vigil.testing import services, worklist
from vigil.testing.models import TestResult

from .test_views import rows_data

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LIST = reverse("testing:positive")


# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.phunhuan", places.commune, tasks=[Task.CDC])


def handle_url(person):
    return reverse("testing:positive-handle", args=[person.pk])


def enter(client, person, *rows):
    """Results entered through the person's page, as a clerk does."""
    response = client.post(reverse("testing:person", args=[person.pk]), rows_data(*rows))
    assert response.status_code == 302


def listed(client, **query):
    response = client.get(LIST, query)
    assert response.status_code == 200
    return [p.pk for p in response.context["page"]]


def menu_count(user):
    return {url: n for _label, url, n in worklists_for(user)}[LIST]


def test_a_positive_result_entered_on_the_page_puts_the_person_on_the_worklist(
    client, cdc, places, make_person
):
    positive, negative = make_person(places.commune, "Dương Tính"), make_person(places.commune)
    client.force_login(cdc)
    assert listed(client) == [] and menu_count(cdc) == 0
    enter(client, positive, {"result": "positive"}, {"result": "negative", "test_type": "rapid"})
    enter(client, negative, {"result": "negative"})
    assert listed(client) == [positive.pk]
    assert menu_count(cdc) == worklist.count_positive_without_case(cdc) == 1
    row = client.get(LIST).context["page"][0]
    assert (row.latest_positive_date, row.latest_positive_type, row.test_count) == (
        TODAY - DAY,
        "pcr",
        2,
    )
    home = client.get(reverse("home")).content.decode()
    entries = [part.split("</a>", 1)[0] for part in home.split(f'href="{LIST}">')[1:]]
    assert (
        'Positive, no case opened <span class="badge rounded-pill text-bg-danger" '
        'data-worklist-count="1">1</span>' in entries
    )


def test_a_batch_with_a_positive_result_lists_every_person_of_it(client, cdc, places, make_person):
    people = [make_person(places.commune, f"Người {n}") for n in range(3)]
    services.add_batch(
        cdc,
        people,
        {"batch_code": "G1", "sample_date": TODAY, "test_type": "pooled", "result": "positive"},
    )
    client.force_login(cdc)
    assert sorted(listed(client)) == sorted(p.pk for p in people)


def test_oldest_first_with_filters_and_total(client, places, make_person, make_user):
    district = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    late = make_person(places.commune, "Trần Văn Muộn")
    early = make_person(places.neighbour, "Lê Thị Sớm")
    for person, day in ((late, TODAY - DAY), (early, TODAY - 3 * DAY)):
        services.add_results(
            None,
            person,
            [{"sample_date": day, "test_type": "rapid", "result": "positive"}],
        )
    client.force_login(district)
    assert listed(client) == [early.pk, late.pk]
    assert client.get(LIST).context["total"] == 2
    assert listed(client, commune=places.neighbour.pk) == [early.pk]
    assert listed(client, q="muon") == [late.pk]
    assert listed(client, commune=places.far.pk) == []  # outside: an invalid filter, nobody


def test_people_outside_the_jurisdiction_never_appear(client, cdc, places, make_person, make_user):
    neighbour_cdc = make_user("cdc.vinhninh", places.neighbour, tasks=[Task.CDC])
    person = make_person(places.commune)
    services.add_results(
        None, person, [{"sample_date": TODAY, "test_type": "pcr", "result": "positive"}]
    )
    client.force_login(neighbour_cdc)
    assert listed(client) == []
    assert worklist.count_positive_without_case(neighbour_cdc) == 0
    assert client.get(handle_url(person)).status_code == 404
    response = client.post(handle_url(person), {"version": "x", "note": "Chuyển viện"})
    assert response.status_code == 404
    assert TestResult.objects.get(person=person).handled_at is None


def test_only_cdc_and_health_stations_open_the_worklist(client, places, make_user):
    for tasks, status in (([Task.HEALTH_STATION], 200), ([Task.LEADER], 403), ([Task.POLICE], 403)):
        user = make_user(f"u{tasks[0]}", places.commune, tasks=tasks)
        client.force_login(user)
        assert client.get(LIST).status_code == status, tasks


def test_recording_it_as_handled_removes_it_and_keeps_who_when_and_why(
    client, cdc, places, make_person
):
    person = make_person(places.commune)
    client.force_login(cdc)
    enter(client, person, {"result": "positive"})
    page = client.get(handle_url(person))
    version = page.context["form"].initial["version"]
    # The note is required: said next to the field, nothing saved.
    refused = client.post(handle_url(person), {"version": version, "note": "  "})
    assert refused.status_code == 200 and "note" in refused.context["form"].errors
    assert listed(client) == [person.pk]

    note = "Chuyển Bệnh viện Trung ương Huế"
    response = client.post(handle_url(person), {"version": version, "note": note})
    assert response.status_code == 302
    assert listed(client) == [] and menu_count(cdc) == 0
    result = TestResult.objects.get(person=person)
    assert (result.handled_by, result.handled_note, result.version) == (cdc, note, 2)
    assert result.handled_at is not None
    event = AuditEvent.objects.filter(object_type="people.person", object_id=str(person.pk)).last()
    assert event.actor == cdc and event.action == "change"
    assert event.detail == {"action": "positive_handled", "note": note, "results": [result.pk]}
    # The person's page shows what was done.
    body = client.get(reverse("testing:person", args=[person.pk])).content.decode()
    assert f'id="handled-{result.pk}"' in body and note in body

    # A double submit changes nothing more.
    again = client.post(handle_url(person), {"version": version, "note": "lần hai"})
    assert again.status_code == 302
    result.refresh_from_db()
    assert result.handled_note == note and result.version == 2


def test_a_new_positive_puts_the_person_back(client, cdc, places, make_person):
    person = make_person(places.commune)
    client.force_login(cdc)
    enter(client, person, {"result": "positive"})
    first = services.item_version(worklist.waiting_results(cdc, person))
    services.record_positive_handled(cdc, person, version=first, note="Cách ly tại nhà")
    assert listed(client) == []
    enter(client, person, {"result": "positive", "test_type": "rapid", "test_id": "XN-9"})
    assert listed(client) == [person.pk]
    waiting = worklist.waiting_results(cdc, person)
    assert [r.test_id for r in waiting] == ["XN-9"]  # the handled one stays handled
    assert client.get(LIST).context["page"][0].test_count == 2


def test_a_positive_that_came_in_meanwhile_is_not_closed_unseen(client, cdc, places, make_person):
    person = make_person(places.commune)
    client.force_login(cdc)
    enter(client, person, {"result": "positive"})
    version = client.get(handle_url(person)).context["form"].initial["version"]
    enter(client, person, {"result": "positive", "test_id": "XN-new"})
    response = client.post(handle_url(person), {"version": version, "note": "Chuyển viện"})
    assert response.status_code == 200
    assert "A new positive result came in" in response.content.decode()
    assert TestResult.objects.filter(person=person, handled_at__isnull=True).count() == 2
    # The page now carries the new version: sent again, both are closed.
    form = response.context["form"]
    response = client.post(
        handle_url(person), {"version": form.data["version"], "note": "Chuyển viện"}
    )
    assert response.status_code == 302
    assert not TestResult.objects.filter(person=person, handled_at__isnull=True).exists()


def test_the_service_refuses_an_empty_note_and_a_stale_version(cdc, places, make_person):
    person = make_person(places.commune)
    services.add_results(
        None, person, [{"sample_date": TODAY, "test_type": "pcr", "result": "positive"}]
    )
    with pytest.raises(ValidationError):
        services.record_positive_handled(cdc, person, version="", note="")
    with pytest.raises(services.StaleItem):
        services.record_positive_handled(cdc, person, version="1:9", note="x")
    version = services.item_version(worklist.waiting_results(cdc, person))
    services.record_positive_handled(cdc, person, version=version, note="x")
    with pytest.raises(services.AlreadyHandled):
        services.record_positive_handled(cdc, person, version=version, note="x")


def test_the_export_holds_the_rows_of_the_page(client, cdc, places, make_person):
    person = make_person(places.commune, "Xuất Excel")
    make_person(places.commune, "Âm Tính")
    services.add_results(
        None, person, [{"sample_date": TODAY, "test_type": "pcr", "result": "positive"}]
    )
    client.force_login(cdc)
    assert 'id="export-tests_positive"' in client.get(LIST).content.decode()
    response = client.get(reverse("reports:export"), {"list": "tests_positive"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert "Xuất Excel" in cells and "Âm Tính" not in cells
    assert cells[0].startswith("Dương tính, chưa mở ca bệnh")


def test_the_list_runs_a_bounded_number_of_queries(
    client, cdc, places, make_person, django_assert_max_num_queries
):
    client.force_login(cdc)
    for n in range(2):
        services.add_results(
            None,
            make_person(places.commune, f"Người {n}"),
            [{"sample_date": TODAY, "test_type": "pcr", "result": "positive"}],
        )
    with django_assert_max_num_queries(30) as few:
        client.get(LIST)
    for n in range(2, 12):
        services.add_results(
            None,
            make_person(places.commune, f"Người {n}"),
            [{"sample_date": TODAY, "test_type": "pcr", "result": "positive"}],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(listed(client)) == 12


def test_a_positive_from_the_lab_sheet_puts_the_person_on_the_worklist(
    client, cdc, places, make_person
):
    person = make_person(places.commune)
    services.add_results(
        cdc,
        person,
        [{"sample_date": TODAY - DAY, "test_type": "pcr", "test_id": "LAB-1", "result": "pending"}],
    )
    client.force_login(cdc)
    assert listed(client) == []
    scope = TestResult.objects.visible_to(cdc)
    assert services.apply_lab_results(cdc, scope, {"LAB-1": ("positive", TODAY)}) == (1, [])
    assert listed(client) == [person.pk]
