"""The facility catalogue, the board and the stay lists through the API: the
pages' forms, services and figures, scoped."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.quarantine import services
from vigil.quarantine.models import Facility, Stay

TODAY = timezone.localdate()


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def kcl(places, cdc):
    facility = Facility.objects.create(
        kind="concentrated", name="KCL Phú Nhuận", area=places.commune
    )
    services.add_rooms(cdc, facility, building="A", floors=[1], rooms=[1], beds_per_room=2)
    return facility


@pytest.fixture
def far_kcl(places, cdc):
    return Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)


def stay_in(facility, person, cdc, start=TODAY, ended=False):
    bed = services.free_beds(facility).first()
    stay = services.take_in(cdc, person=person, facility=facility, start_date=start, bed=bed)
    if ended:
        Stay.objects.filter(pk=stay.pk).update(end_date=TODAY, outcome="completed")
    return stay


def test_the_catalogue_lists_facilities_in_scope_with_their_figures(
    call, cdc, kcl, far_kcl, make_user, make_person, places
):
    stay_in(kcl, make_person(places.commune), cdc)
    body = call(cdc, "get", "/quarantine/facilities").json()
    assert [f["name"] for f in body] == ["KCL Phú Nhuận"]
    figures = body[0]["figures"]
    assert (figures["beds"], figures["occupied"], figures["free"], figures["inside"]) == (
        2,
        1,
        1,
        1,
    )
    detail = call(cdc, "get", f"/quarantine/facilities/{kcl.pk}").json()
    assert detail["buildings"] == [{"id": detail["buildings"][0]["id"], "name": "A", "rooms": 1,
                                    "beds": 2}]  # fmt: skip
    assert call(cdc, "get", f"/quarantine/facilities/{far_kcl.pk}").status_code == 404
    police = make_user("police.hue", places.district, tasks=[Task.POLICE])
    assert call(police, "get", "/quarantine/facilities").status_code == 403


def test_creating_and_changing_a_facility(call, cdc, make_user, places, far_kcl):
    body = {"kind": "concentrated", "name": "  KCL  Mới ", "area_code": places.commune.code}
    response = call(cdc, "post", "/quarantine/facilities", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["area_code"]) == ("KCL Mới", places.commune.code)
    assert call(cdc, "post", "/quarantine/facilities", {**body, "area_code": places.far.code}
                ).status_code == 422  # fmt: skip

    url = f"/quarantine/facilities/{created['id']}"
    change = {**body, "name": "KCL Đổi", "version": created["version"]}
    response = call(cdc, "put", url, change)
    assert response.status_code == 200 and response.json()["name"] == "KCL Đổi"
    assert call(cdc, "put", url, change).status_code == 409  # the version is stale now
    assert call(cdc, "put", f"/quarantine/facilities/{far_kcl.pk}", change).status_code == 404
    manager = make_user("kcl.pn", places.commune, tasks=[Task.FACILITY])
    assert call(manager, "post", "/quarantine/facilities", body).status_code == 403


def test_adding_rooms(call, cdc, kcl, far_kcl, make_user, places):
    body = {"building": "B", "floor_from": 1, "floor_to": 2, "room_from": 1, "room_to": 3,
            "beds_per_room": 2}  # fmt: skip
    manager = make_user("kcl.pn", kcl.area, tasks=[Task.FACILITY], facility=kcl)
    response = call(manager, "post", f"/quarantine/facilities/{kcl.pk}/rooms", body)
    assert response.status_code == 200, response.content
    assert response.json()["beds_added"] == 12
    assert response.json()["facility"]["figures"]["beds"] == 14
    bad = call(cdc, "post", f"/quarantine/facilities/{kcl.pk}/rooms", {**body, "floor_to": 0})
    assert "floor_to" in bad.json()["error"]["fields"]
    far = call(cdc, "post", f"/quarantine/facilities/{far_kcl.pk}/rooms", body)
    assert far.status_code == 404
    leader = make_user("leader.hue", places.district, tasks=[Task.LEADER])
    assert call(leader, "post", f"/quarantine/facilities/{kcl.pk}/rooms", body).status_code == 403


def test_the_board_counts_the_facilities_in_scope(call, cdc, kcl, far_kcl, make_person, places):
    stay_in(kcl, make_person(places.commune), cdc)
    stay_in(kcl, make_person(places.commune), cdc, ended=True)
    body = call(cdc, "get", "/quarantine/board").json()
    assert [r["facility_name"] for r in body["rows"]] == ["KCL Phú Nhuận"]
    row = body["rows"][0]
    assert (row["inside"], row["arrivals_today"], row["discharges_today"]) == (1, 2, 1)
    assert body["total"]["count"] == 1 and body["total"]["beds"] == 2
    assert len(body["days"]) == len(row["daily"]) == 14
    bad = call(cdc, "get", "/quarantine/board", district_id=places.other_district.pk)
    assert bad.status_code == 422


def test_the_stay_lists_and_deleting_a_stay(call, cdc, kcl, make_person, places):
    open_stay = stay_in(kcl, make_person(places.commune, "Đang Ở"), cdc)
    stay_in(kcl, make_person(places.commune, "Đã Về"), cdc, ended=True)
    current = call(cdc, "get", "/quarantine/stays").json()
    assert [s["full_name"] for s in current["items"]] == ["Đang Ở"]
    assert current["items"][0]["days_remaining"] is not None
    ended = call(cdc, "get", "/quarantine/stays", ended="true").json()
    assert [s["full_name"] for s in ended["items"]] == ["Đã Về"]
    assert call(cdc, "get", "/quarantine/stays", q="dang o").json()["total"] == 1

    url = f"/quarantine/stays/{open_stay.pk}/delete"
    assert call(cdc, "post", url, {"reason": ""}).status_code == 422
    assert call(cdc, "post", url, {"reason": "Nhập nhầm"}).status_code == 204
    assert not Stay.objects.filter(pk=open_stay.pk).exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(open_stay.pk)).exists()


def test_dates_and_unknown_facilities_of_a_stay_list_are_refused(call, cdc, far_kcl):
    assert call(cdc, "get", "/quarantine/stays", facility_id=far_kcl.pk).status_code == 422
    assert call(cdc, "get", "/quarantine/stays", date_from="yesterday").status_code == 422
    start = (TODAY - datetime.timedelta(days=1)).isoformat()
    assert call(cdc, "get", "/quarantine/stays", date_from=start).status_code == 200
