"""CDC triage through the API: the queue of flagged arrivals, medical
verification, the risk rules, the epidemic areas and their re-evaluation jobs;
and the OpenAPI document of verification and triage."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.audit.models import AuditEvent
from vigil.declarations.models import DeclarationEvent
from vigil.jobs.models import Job
from vigil.triage.engine import FACTS
from vigil.triage.models import EpidemicArea, RiskRule

from .test_verification_api import (
    TODAY,
    T,
    V,
    bearer,
    declare,
    get,
    post,
    put,
    required,
    site_language,
    state,
)


@pytest.fixture
def cdc(token_for, places):
    return token_for("cdc.phunhuan", places.commune, [Task.CDC])[1]


@pytest.fixture
def editor(token_for, places):
    """CDC of the province: changes rules and epidemic areas."""
    return token_for("cdc.tinh", places.province, [Task.CDC])


# Triage -----------------------------------------------------------------------


def test_the_triage_queue_counts_each_colour_up_to_the_cap(client, cdc, make_person, places):
    def flagged(**answers):
        return declare(make_person(places.commune), places.commune, **answers)

    red = flagged(sym_fever=True, sym_cough=True, exp_case_contact=True)
    orange = flagged(sym_breathing=True)
    yellow = flagged(sym_cough=True)
    flagged()  # green: not flagged
    declare(make_person(places.neighbour), places.neighbour, sym_fever=True)
    assert [d.risk_colour for d in (red, orange, yellow)] == ["red", "orange", "yellow"]

    with CaptureQueriesContext(connection) as queries:
        response = get(client, f"{T}/queue", cdc)
    assert response.status_code == 200, response.content
    page = response.json()
    assert page["counts"] == {"green": 0, "yellow": 1, "orange": 1, "red": 1}
    assert page["total"] == 3
    assert [item["id"] for item in page["items"]] == [red.pk, orange.pk, yellow.pk]
    assert page["items"][0]["yes_answers"] == ["exp_case_contact", "sym_fever", "sym_cough"]
    assert page["items"][0]["risk_reasons"]
    assert page["capped"] is False and not any(page["counts_capped"].values())
    # A count per colour and one for the list, each stopping at the cap
    # (VIGIL_LIST_COUNT_CAP + 1 rows): never a count of the whole queue.
    counting = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counting) == 5
    assert all(f"LIMIT {settings.VIGIL_LIST_COUNT_CAP + 1}" in sql for sql in counting)

    only_red = get(client, f"{T}/queue", cdc, colour="red").json()
    assert only_red["counts"] == page["counts"]
    assert only_red["total"] == 1 and [i["id"] for i in only_red["items"]] == [red.pk]
    assert get(client, f"{T}/queue", cdc, colour="blue").status_code == 422


def test_medical_verification_records_the_result(client, cdc, token_for, make_person, places):
    flagged = declare(make_person(places.commune), places.commune, sym_fever=True)
    url = f"{T}/{flagged.pk}/medical"
    body = {
        "version": 1,
        "symptoms_confirmed": True,
        "surveillance": "concentrated",
        "start": TODAY.isoformat(),
        "end": (TODAY + datetime.timedelta(days=14)).isoformat(),
        "note": "Sốt 38.5",
    }
    _user, community = token_for("community.phunhuan", places.commune, [Task.COMMUNITY])
    assert post(client, url, body, community).status_code == 403

    response = post(client, url, {**body, "surveillance": "spa"}, cdc)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "surveillance": [site_language("Choose a surveillance type.")]
    }
    response = post(client, url, {**body, "start": None, "end": None}, cdc)
    assert response.json()["error"]["fields"] == {"start": [site_language("Enter the start date.")]}
    response = post(client, url, {"version": 1, "surveillance": "none"}, cdc)
    assert response.json()["error"]["fields"] == {"symptoms_confirmed": [required()]}
    assert post(client, url, {**body, "version": 7}, cdc).json()["error"]["code"] == "stale"
    assert state(flagged).medical_state == "pending"

    response = post(client, url, body, cdc)
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["medical_state"], out["surveillance"], out["version"]) == (
        "verified",
        "concentrated",
        2,
    )
    event = DeclarationEvent.objects.get(declaration=flagged)
    assert event.data["symptoms_confirmed"] is True
    assert get(client, f"{T}/queue", cdc).json()["total"] == 0

    response = post(client, url, {**body, "version": 2}, cdc)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_handled"

    far = declare(make_person(places.far), places.far, sym_fever=True)
    assert post(client, f"{T}/{far.pk}/medical", body, cdc).status_code == 404


# Rules, epidemic areas and jobs ------------------------------------------------


def test_every_staff_user_reads_the_rules_bands_and_facts(client, cdc, editor):
    response = get(client, f"{T}/rules", cdc)
    assert response.status_code == 200
    out = response.json()
    assert out["editable"] is False
    assert [band["colour"] for band in out["bands"]] == ["green", "yellow", "orange", "red"]
    assert [fact["key"] for fact in out["facts"]] == list(FACTS)
    assert all(fact["label"] for fact in out["facts"])
    assert len(out["rules"]) == RiskRule.objects.count() > 0
    assert get(client, f"{T}/rules", editor[1]).json()["editable"] is True


def test_a_new_rule_reevaluates_the_colours_through_a_job(client, editor, cdc, make_person, places):
    user, token = editor
    tired = declare(make_person(places.commune), places.commune, sym_fatigue=True)
    assert (tired.risk_colour, tired.medical_state) == ("green", "not_flagged")
    body = {"label": "Mệt mỏi kéo dài", "facts": ["sym_fatigue"], "weight": 70, "min_level": 3}

    response = post(client, f"{T}/rules", {**body, "facts": ["sym_fatigue", "tired"]}, token)
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["facts"]
    assert "tired" in response.json()["error"]["fields"]["facts"][0]
    response = post(
        client, f"{T}/rules", {**body, "weight": -1, "min_level": 5, "label": " "}, token
    )
    assert set(response.json()["error"]["fields"]) == {"weight", "min_level", "label"}
    response = post(client, f"{T}/rules", {**body, "facts": []}, token)
    assert list(response.json()["error"]["fields"]) == ["facts"]
    assert post(client, f"{T}/rules", body, cdc).status_code == 403  # a commune's CDC
    assert not RiskRule.objects.filter(label=body["label"]).exists()
    assert not Job.objects.exists()

    response = post(client, f"{T}/rules", body, token)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["rule"]["facts"] == ["sym_fatigue"] and out["rule"]["min_colour"] == "red"
    assert out["rule"]["active"] is True
    job = get(client, f"{T}/jobs/{out['job_id']}", token).json()
    assert (job["state"], job["percent"], job["error"]) == ("done", 100, "")
    assert job["total"] == job["done"] >= 1
    tired = state(tired)
    assert (tired.risk_colour, tired.medical_state) == ("red", "pending")
    assert "Mệt mỏi kéo dài" in tired.risk_reasons
    assert get(client, f"{T}/queue", cdc, colour="red").json()["total"] == 1


def test_changing_a_rule_is_for_province_editors_and_others_get_403(
    client, editor, cdc, token_for, make_person, places
):
    user, token = editor
    rule = RiskRule.objects.get(facts=["sym_cough"])
    coughing = declare(make_person(places.commune), places.commune, sym_cough=True)
    assert coughing.risk_colour == "yellow"
    url = f"{T}/rules/{rule.pk}"
    body = {"label": rule.label, "facts": ["sym_cough"], "weight": 15, "min_level": 1}

    # A commune's CDC, and the province's leader, may not: refused before the
    # body is read (even an invalid one) and before the rule is looked up.
    _leader, leader = token_for("leader.tinh", places.province, [Task.LEADER])
    for other in (cdc, leader):
        response = put(client, url, {**body, "active": False}, other)
        assert response.status_code == 403
        assert put(client, url, {"weight": "many"}, other).status_code == 403
    assert RiskRule.objects.get(pk=rule.pk).active
    assert put(client, f"{T}/rules/999999", body, token).status_code == 404
    assert client.get(url, **bearer(token)).status_code == 405

    response = put(client, url, body, token)  # nothing changed: no job
    assert response.status_code == 200
    assert response.json()["job_id"] is None
    response = put(client, url, {**body, "weight": -5}, token)
    assert response.status_code == 422

    response = put(client, url, {**body, "active": False}, token)
    assert response.status_code == 200, response.content
    assert response.json()["rule"]["active"] is False
    assert Job.objects.get(pk=response.json()["job_id"]).state == "done"
    coughing = state(coughing)
    assert (coughing.risk_colour, coughing.medical_state) == ("green", "not_flagged")
    assert AuditEvent.objects.filter(object_id=str(rule.pk), action="change").exists()


def test_a_job_is_visible_only_to_its_creator(client, editor, token_for, places):
    user, token = editor
    _admin, admin = token_for("admin.tinh", places.province, [Task.ADMIN])
    job = Job.objects.create(kind="reevaluate_risk", created_by=user)
    assert get(client, f"{T}/jobs/{job.pk}", token).status_code == 200
    response = get(client, f"{T}/jobs/{job.pk}", admin)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert get(client, f"{T}/jobs/999999", token).status_code == 404


def test_an_epidemic_area_raises_the_risk_of_those_who_came_from_it(
    client, editor, cdc, make_person, places
):
    user, token = editor
    hanoi = AdminUnit.objects.active_tree().get(code="01")
    commune_of_hanoi = AdminUnit.objects.active_tree().get(code="00001")
    arrival = TODAY - datetime.timedelta(days=2)
    traveller = declare(
        make_person(places.commune), places.commune, departure_unit=commune_of_hanoi, days_ago=2
    )
    assert traveller.risk_colour == "green"
    body = {"unit_code": "01", "start": (arrival - datetime.timedelta(days=5)).isoformat()}

    response = post(client, f"{T}/epidemic-areas", {**body, "end": "2000-01-01"}, token)
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "end": [site_language("The end date is before the start date.")]
    }
    response = post(client, f"{T}/epidemic-areas", {"unit_code": "nowhere"}, token)
    assert set(response.json()["error"]["fields"]) == {"unit_code", "start"}
    assert post(client, f"{T}/epidemic-areas", body, cdc).status_code == 403
    assert not EpidemicArea.objects.exists()

    response = post(client, f"{T}/epidemic-areas", {**body, "note": "Chỉ thị 16"}, token)
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["area"]["unit_code"], out["area"]["unit_name"]) == ("01", hanoi.name)
    assert out["area"]["current"] is True and out["area"]["end"] is None
    assert get(client, f"{T}/jobs/{out['job_id']}", token).json()["state"] == "done"
    traveller = state(traveller)
    assert traveller.risk_colour != "green" and traveller.medical_state == "pending"

    listed = get(client, f"{T}/epidemic-areas", cdc).json()
    assert [a["unit_code"] for a in listed] == ["01"] and listed[0]["note"] == "Chỉ thị 16"


# The document -----------------------------------------------------------------


def test_the_openapi_document_describes_every_operation_with_examples(client):
    doc = client.get("/api/v1/openapi.json").json()
    operations = {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        if path.startswith((V, T))
        for method, op in item.items()
    }
    assert set(operations) == {
        ("GET", f"{V}/queue"),
        ("GET", f"{V}/students"),
        ("POST", f"{V}/{{declaration_id}}/returned"),
        ("POST", f"{V}/{{declaration_id}}/failed"),
        ("POST", f"{V}/{{declaration_id}}/transfer"),
        ("GET", f"{V}/{{declaration_id}}/history"),
        ("POST", f"{V}/{{declaration_id}}/review"),
        ("GET", f"{T}/queue"),
        ("POST", f"{T}/{{declaration_id}}/medical"),
        ("GET", f"{T}/rules"),
        ("POST", f"{T}/rules"),
        ("PUT", f"{T}/rules/{{rule_id}}"),
        ("GET", f"{T}/jobs/{{job_id}}"),
        ("GET", f"{T}/epidemic-areas"),
        ("POST", f"{T}/epidemic-areas"),
    }
    for key, op in operations.items():
        assert op["summary"] and op["description"], key
        ok = str(min(int(code) for code in op["responses"] if code.startswith("2")))
        assert op["responses"][ok]["content"]["application/json"]["example"] is not None, key
        if key[0] in ("POST", "PUT"):
            body = op["requestBody"]["content"]["application/json"]
            assert body["example"] and body["schema"], key
        assert all(p.get("example") is not None for p in op.get("parameters", [])), key
    returned = operations[("POST", f"{V}/{{declaration_id}}/returned")]
    schema = returned["requestBody"]["content"]["application/json"]["schema"]
    assert "home_quarantine" in schema["properties"]["surveillance"]["enum"]
