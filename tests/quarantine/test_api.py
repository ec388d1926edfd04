"""The quarantine API: the same rules and messages as the pages."""

import json

import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.quarantine.models import Facility, Stay

from .conftest import ANSWER_KEYS, DAY, TODAY
from .test_views import departure_commune

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def api(client):
    def call(user, method, path, body=None):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(client, method)(f"/api/v1/quarantine{path}", **kwargs)

    return call


def no_answers(**yes):
    return {key: key in yes for key in ANSWER_KEYS}


def test_the_list_is_scoped_and_for_the_right_task_groups(api, sent, kcl_manager, make_user,
                                                          places):  # fmt: skip
    response = api(kcl_manager, "get", "/to-take-in")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["id"], item["answers"]["sym_fever"]) == (sent.pk, True)
    assert item["phone"] != sent.person.phone  # masked
    far = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    far_manager = make_user("kcl.xa", places.far, tasks=[Task.FACILITY], facility=far)
    assert api(far_manager, "get", "/to-take-in").json()["total"] == 0
    leader = make_user("leader.tp", places.district, tasks=[Task.LEADER])
    assert api(leader, "get", "/to-take-in").status_code == 403


def test_intake_needs_every_answer_then_closes_the_verification(
    api, sent, kcl_manager, kcl, kcl_beds
):
    body = {"declaration_id": sent.pk, "facility_id": kcl.pk, "bed_id": kcl_beds[0].pk,
            "start_date": TODAY.isoformat()}  # fmt: skip
    response = api(kcl_manager, "post", "/intake", {**body, "answers": {"sym_cough": True}})
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["answers.sym_fever"] == ["Answer yes or no."]
    assert "answers.sym_cough" not in fields
    assert not Stay.objects.exists()
    response = api(kcl_manager, "post", "/intake", {**body, "answers": no_answers(sym_fever=True)})
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["intake_answers"] == no_answers(sym_fever=True)
    assert out["declaration_id"] == sent.pk
    sent.refresh_from_db()
    assert sent.verification_state == "intake"
    assert sent.events.filter(action="verified_by_intake").exists()
    assert api(kcl_manager, "get", "/to-take-in").json()["total"] == 0
    # Off the list now: a second intake of it is 404.
    assert api(kcl_manager, "post", "/intake", {**body, "answers": no_answers()}).status_code == 404


def test_intake_of_a_new_person_records_the_full_declaration(api, cdc_hue, kcl, kcl_beds, places):
    new_person = {
        "full_name": "Trần Thị Mới", "id_kind": "cccd", "id_number": "046195009988",
        "phone": "0935222444", "birth_year": 1995, "gender": "female",
        "registration_kind": "return_home", "departure_country": "VN",
        "departure_unit_code": departure_commune().code, "area_code": places.commune.code,
        "address": "5 Lê Lợi", "transport": "plane", "transport_number": "",
        "arrival_date": TODAY.isoformat(),
        "answers": dict.fromkeys(ANSWER_KEYS, False),
    }  # fmt: skip
    body = {"new_person": new_person, "facility_id": kcl.pk, "bed_id": kcl_beds[1].pk,
            "start_date": TODAY.isoformat()}  # fmt: skip
    response = api(cdc_hue, "post", "/intake", body)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert "new_person.transport_number" in fields
    assert "new_person.answers.cond_liver" in fields
    new_person["transport_number"] = "VN1546"
    from vigil.declarations.questions import KEYS

    new_person["answers"] = dict.fromkeys(KEYS, False)
    response = api(cdc_hue, "post", "/intake", body)
    assert response.status_code == 201, response.json()
    declaration = Stay.objects.get().declaration
    assert (declaration.transport_number, declaration.departure_unit) == (
        "VN1546", departure_commune(),
    )  # fmt: skip


def test_a_correction_through_the_api_is_recorded_and_a_stale_one_refused(
    api, sent, kcl_manager, kcl, kcl_beds
):
    person = sent.person
    body = {"declaration_id": sent.pk, "facility_id": kcl.pk, "bed_id": kcl_beds[0].pk,
            "start_date": TODAY.isoformat(), "answers": no_answers(),
            "person": {"version": person.version + 1,
                       "full_name": "Hoàng Văn Sốt Cao"}}  # fmt: skip
    response = api(kcl_manager, "post", "/intake", body)
    assert response.status_code == 409
    assert "person.version" in response.json()["error"]["fields"]
    body["person"]["version"] = person.version
    response = api(kcl_manager, "post", "/intake", body)
    assert response.status_code == 201
    person.refresh_from_db()
    assert person.full_name == "Hoàng Văn Sốt Cao"


def test_end_move_extend_and_the_history(api, sent, kcl_manager, kcl, kcl_beds, make_user,
                                         places):  # fmt: skip
    body = {"declaration_id": sent.pk, "facility_id": kcl.pk, "bed_id": kcl_beds[0].pk,
            "start_date": TODAY.isoformat(), "answers": no_answers()}  # fmt: skip
    stay = api(kcl_manager, "post", "/intake", body).json()
    path = f"/stays/{stay['id']}"
    moved = api(
        kcl_manager,
        "post",
        f"{path}/move",
        {"version": stay["version"], "facility_id": kcl.pk, "bed_id": kcl_beds[1].pk},
    )
    assert moved.status_code == 200 and moved.json()["bed_id"] == kcl_beds[1].pk
    stale = api(kcl_manager, "post", f"{path}/extend",
                {"version": stay["version"], "planned_end": (TODAY + 30 * DAY).isoformat(),
                 "reason": "x"})  # fmt: skip
    assert stale.status_code == 409
    version = moved.json()["version"]
    extended = api(kcl_manager, "post", f"{path}/extend",
                   {"version": version, "planned_end": (TODAY + 30 * DAY).isoformat(),
                    "reason": "Chờ XN"})  # fmt: skip
    assert extended.status_code == 200
    version = extended.json()["version"]
    end = {"version": version, "end_date": TODAY.isoformat(), "outcome": "completed"}
    refused = api(kcl_manager, "post", f"{path}/end", end)
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"reason", "confirm"}
    done = api(kcl_manager, "post", f"{path}/end", {**end, "reason": "CDC đồng ý", "confirm": True})
    assert done.status_code == 200 and done.json()["end_date"] == TODAY.isoformat()
    events = api(kcl_manager, "get", f"{path}/events").json()
    assert [e["action"] for e in events] == ["intake", "move", "extend", "end"]
    assert events[-1]["note"] == "CDC đồng ý"
    sent.refresh_from_db()
    assert sent.surveillance_end == TODAY
    assert {"stay_moved", "stay_extended", "stay_ended"} <= set(
        sent.events.values_list("action", flat=True)
    )
    # Another district's manager: 404; a leader of the district: 403 to act.
    far = Facility.objects.create(kind="concentrated", name="KCL Xa", area=places.far)
    far_manager = make_user("kcl.xa", places.far, tasks=[Task.FACILITY], facility=far)
    assert api(far_manager, "get", f"{path}/events").status_code == 404
    assert api(far_manager, "post", f"{path}/end", end).status_code == 404
    leader = make_user("leader.tp", places.district, tasks=[Task.LEADER])
    assert api(leader, "post", f"{path}/move", {}).status_code == 403


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/quarantine/to-take-in", "/api/v1/quarantine/intake",
                 "/api/v1/quarantine/stays/{stay_id}/end",
                 "/api/v1/quarantine/stays/{stay_id}/events"):  # fmt: skip
        assert path in paths, path
