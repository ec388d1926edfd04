"""The investigation page's timeline (R-E3): rows added inline, changed with a
version check, deleted; each change a case event and an audit row."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.investigation import itinerary
from vigil.investigation.models import CaseKind, ItineraryEntry

DAY = datetime.date(2021, 8, 3)


@pytest.fixture
def case(make_case):
    return make_case(CaseKind.CONFIRMED)


@pytest.mark.parametrize(
    "typed,expected",
    [("15h30", (15, 30)), ("15:30", (15, 30)), ("7h00", (7, 0)), ("7h", (7, 0)), ("0730", (7, 30))],
)
def test_it_reads_times_as_tracers_type_them(typed, expected):
    assert itinerary.parse_time(typed) == datetime.time(*expected)


@pytest.mark.parametrize("typed", ["25h00", "abc", "15h75"])
def test_it_refuses_a_time_that_is_not_one(typed):
    with pytest.raises(ValueError):
        itinerary.parse_time(typed)


def test_add_change_delete_write_events_and_audit(case, cdc):
    entry = itinerary.add_entry(
        case, actor=cdc, fields={"date": DAY, "time": "15h30", "description": "Chợ Đông Ba"}
    )
    assert entry.time == datetime.time(15, 30)
    entry = itinerary.update_entry(
        entry, actor=cdc, version=1, fields={"date": DAY, "description": "Chợ Bến Ngự"}
    )
    assert entry.version == 2 and entry.description == "Chợ Bến Ngự" and entry.time is None
    itinerary.delete_entry(entry, actor=cdc, version=2)
    assert not ItineraryEntry.objects.filter(case=case).exists()
    actions = list(case.events.values_list("action", flat=True))
    assert actions[-3:] == ["itinerary_add", "itinerary_change", "itinerary_delete"]
    audited = AuditEvent.objects.filter(object_type="investigation.itineraryentry")
    assert sorted(audited.values_list("action", flat=True)) == ["change", "create", "delete"]


def test_it_refuses_a_stale_change(case, cdc):
    entry = itinerary.add_entry(case, actor=cdc, fields={"date": DAY, "description": "A"})
    itinerary.update_entry(entry, actor=cdc, version=1, fields={"date": DAY, "description": "B"})
    with pytest.raises(itinerary.StaleEntry):
        itinerary.update_entry(
            entry, actor=cdc, version=1, fields={"date": DAY, "description": "C"}
        )
    entry.refresh_from_db()
    assert entry.description == "B"


def test_a_description_is_required(case, cdc):
    with pytest.raises(ValidationError) as exc:
        itinerary.add_entry(case, actor=cdc, fields={"date": DAY, "description": "  "})
    assert "description" in exc.value.message_dict
    assert not ItineraryEntry.objects.exists()


def test_the_page_adds_a_row_inline(case, cdc, login):
    client = login(cdc)
    url = reverse("investigation:investigation", args=[case.pk])
    response = client.post(
        url,
        {"new-time": "7h00", "new-date": "03/08/2021", "new-description": "Bệnh viện Trung ương"},
    )
    assert response.status_code == 302
    page = client.get(url)
    assert "Bệnh viện Trung ương" in page.content.decode()
    assert ItineraryEntry.objects.get(case=case).time == datetime.time(7, 0)


def test_the_page_keeps_input_and_says_what_is_wrong(case, cdc, login):
    client = login(cdc)
    url = reverse("investigation:investigation", args=[case.pk])
    response = client.post(url, {"new-time": "99h", "new-date": "03/08/2021"})
    assert response.status_code == 422
    assert response.context["entry_form"].errors.keys() >= {"time", "description"}
    assert not ItineraryEntry.objects.exists()


def test_inline_edit_refuses_a_stale_version_and_keeps_input(case, cdc, login):
    entry = itinerary.add_entry(case, actor=cdc, fields={"date": DAY, "description": "A"})
    itinerary.update_entry(entry, actor=cdc, version=1, fields={"date": DAY, "description": "B"})
    client = login(cdc)
    url = reverse("investigation:entry-edit", args=[entry.pk])
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert b"entry-form" in form.content
    response = client.post(
        url,
        {"date": "03/08/2021", "description": "Mine", "version": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert "Mine" in response.content.decode()
    entry.refresh_from_db()
    assert entry.description == "B"
    response = client.post(
        url, {"date": "03/08/2021", "description": "Mine", "version": "2"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and b"entry-row" in response.content
    entry.refresh_from_db()
    assert entry.description == "Mine"


def test_out_of_scope_rows_and_pages_answer_404(case, cdc, make_user, places, login):
    entry = itinerary.add_entry(case, actor=cdc, fields={"date": DAY, "description": "A"})
    far = login(make_user("far.cdc", places.far, tasks=[Task.CDC]))
    assert far.get(reverse("investigation:investigation", args=[case.pk])).status_code == 404
    assert far.get(reverse("investigation:entry-edit", args=[entry.pk])).status_code == 404
    response = far.post(reverse("investigation:entry-delete", args=[entry.pk]), {"version": 1})
    assert response.status_code == 404
    assert ItineraryEntry.objects.filter(pk=entry.pk).exists()


def test_a_reader_sees_the_page_but_cannot_add(case, make_user, places, login):
    leader = login(make_user("leader.pn", places.commune, tasks=[Task.LEADER]))
    url = reverse("investigation:investigation", args=[case.pk])
    page = leader.get(url)
    assert page.status_code == 200 and b"entry-add" not in page.content
    assert leader.post(url, {"new-date": "03/08/2021", "new-description": "X"}).status_code == 403
    assert not ItineraryEntry.objects.exists()
