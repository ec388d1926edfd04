"""The case API: the same rules and messages as the pages (create F0 and
contacts, filters, stale edits, scope, delete refused with contacts, confirm
with its cascade, sources, the worklists)."""

import datetime
import json

import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.investigation.models import Case, CaseKind
from vigil.people.models import Person
from vigil.quarantine.models import Facility

F0, CONTACT = CaseKind.CONFIRMED, CaseKind.CONTACT
DAY = datetime.date(2021, 7, 1)


@pytest.fixture
def api(client):
    client.cookies["vigil_language"] = "en"

    def call(user, method, path, body=None, **params):
        token = ApiToken.issue(user, "test")[1]
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif params:
            kwargs["data"] = params
        url = f"/api/v1/investigation{path}"
        if method == "delete" and params:
            url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
            kwargs.pop("data")
        return getattr(client, method)(url, **kwargs)

    return call


@pytest.fixture
def hs(make_user, places):
    return make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])


def test_create_an_f0_with_a_new_person_then_a_contact(api, hs, places):
    body = {
        "kind": F0,
        "code": "bn 100",
        "person": {"full_name": "Phan Văn Một", "birth_year": 1980, "gender": "male"},
        "residence_id": places.commune.pk,
        "detection_id": places.commune.pk,
        "confirmed_on": "2021-07-01",
    }
    response = api(hs, "post", "/cases", body)
    assert response.status_code == 201, response.content
    f0 = response.json()
    assert f0["code"] == "BN100" and f0["level"] == 0 and f0["level_label"] == "F0"
    person = Person.objects.get(full_name="Phan Văn Một")
    body = {
        "kind": CONTACT,
        "contact_type": "household",
        "person": {"full_name": "Phan Thị Hai"},
        "residence_id": places.commune.pk,
        "detection_id": places.commune.pk,
        "sources": [{"case_id": f0["id"], "contact_date": "2021-06-30"}],
    }
    response = api(hs, "post", "/cases", body)
    assert response.status_code == 201, response.content
    contact = response.json()
    assert contact["level"] == 1
    assert contact["sources"] == [
        {
            "case_id": f0["id"],
            "code": "BN100",
            "level": 0,
            "contact_date": "2021-06-30",
            "visible": True,
        }
    ]
    again = api(hs, "post", "/cases", {**body, "person_id": person.pk, "person": None})
    assert again.status_code == 422
    assert "person" in again.json()["error"]["fields"]


def test_a_taken_code_is_refused_and_no_person_is_left(api, hs, make_case, places):
    make_case(F0, code="BN200")
    body = {
        "kind": F0,
        "code": "BN200",
        "person": {"full_name": "Người Thừa Ra"},
        "residence_id": places.commune.pk,
        "detection_id": places.commune.pk,
    }
    response = api(hs, "post", "/cases", body)
    assert response.status_code == 422
    assert "code" in response.json()["error"]["fields"]
    assert not Person.objects.filter(full_name="Người Thừa Ra").exists()


def test_the_list_filters_like_the_page(api, cdc, make_case):
    f0 = make_case(F0, code="BN300")
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    response = api(cdc, "get", "/cases", level="2")
    assert response.status_code == 200, response.content
    assert [i["id"] for i in response.json()["items"]] == [f2.pk]
    assert [i["id"] for i in api(cdc, "get", "/cases", q="BN3").json()["items"]] == [f0.pk]
    assert api(cdc, "get", "/cases", date_from="not a date").status_code == 422
    assert api(cdc, "get", "/cases").json()["total"] == 3


def test_out_of_scope_is_404(api, hs, make_case, places):
    far = make_case(F0, area=places.far)
    assert api(hs, "get", f"/cases/{far.pk}").status_code == 404
    response = api(hs, "post", f"/cases/{far.pk}", {"version": far.version, "code": "X1"})
    assert response.status_code == 404


def test_a_stale_update_is_409_and_changes_nothing(api, cdc, make_case):
    case = make_case(F0, code="BN400")
    response = api(
        cdc, "post", f"/cases/{case.pk}", {"version": case.version + 1, "residence_street": "x"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale"
    response = api(
        cdc, "post", f"/cases/{case.pk}", {"version": case.version, "residence_street": "x"}
    )
    assert response.status_code == 200, response.content
    assert Case.objects.get(pk=case.pk).residence_street == "x"


def test_delete_refused_with_contacts_then_allowed(api, cdc, make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    assert api(cdc, "delete", f"/cases/{f0.pk}", version=f0.version).status_code == 422
    assert api(cdc, "delete", f"/cases/{f1.pk}", version=f1.version).status_code == 204
    assert not Case.objects.filter(pk=f1.pk).exists()


def test_confirm_moves_the_chain_and_fills_the_reclassified_list(api, cdc, make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    body = {"version": f1.version, "code": "BN500", "confirmed_on": "2021-07-02"}
    response = api(cdc, "post", f"/cases/{f1.pk}/confirm", body)
    assert response.status_code == 200, response.content
    assert response.json()["level"] == 0
    assert Case.objects.get(pk=f2.pk).level == 1
    listed = api(cdc, "get", "/reclassified").json()
    assert f2.pk in [i["id"] for i in listed["items"]]
    f2 = Case.objects.get(pk=f2.pk)
    done = api(cdc, "post", f"/reclassified/{f2.pk}/acknowledge", {"version": f2.version})
    assert done.status_code == 200
    assert f2.pk not in [i["id"] for i in api(cdc, "get", "/reclassified").json()["items"]]


def test_sources_refuse_a_cycle(api, cdc, make_case):
    f0 = make_case(F0)
    a = make_case(sources=[(f0, DAY)])
    b = make_case(sources=[(a, DAY)])
    response = api(
        cdc, "put", f"/cases/{a.pk}/sources", {"version": a.version, "sources": [{"case_id": b.pk}]}
    )
    assert response.status_code == 422
    assert list(Case.objects.get(pk=a.pk).source_links.values_list("source_id", flat=True)) == [
        f0.pk
    ]


def test_send_to_facility_and_chain_checks(api, cdc, make_case, places):
    kcl = Facility.objects.create(kind="concentrated", name="KCL B", area=places.commune)
    case = make_case()
    response = api(
        cdc,
        "post",
        f"/cases/{case.pk}/send-to-facility",
        {"version": case.version, "facility_id": kcl.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["facility_id"] == kcl.pk
    checks = api(cdc, "get", "/chain-checks")
    assert checks.status_code == 200
    assert {"case_id": case.pk, "code": "no_source"}.items() <= checks.json()[0].items()


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ops = {op["operationId"] for item in paths.values() for op in item.values()}
    assert {"investigation_case_list", "investigation_case_create", "investigation_case_confirm",
            "investigation_case_sources", "investigation_chain_checks"} <= ops  # fmt: skip
