"""A commune's verification after CDC decided keeps CDC's surveillance decision
unless someone allowed to replace it gives a reason (finding 4)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from vigil.accounts.models import ApiToken, Task
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Surveillance, VerificationState
from vigil.declarations.services import submit_declaration
from vigil.triage import services as triage
from vigil.verification import services

from ..declarations.helpers import form_data

TODAY = datetime.date.today()
END = TODAY + datetime.timedelta(days=14)


@pytest.fixture
def decided(places, make_user):
    form = DeclarationForm(form_data(places.commune, sym_fever="1"))
    assert form.is_valid(), form.errors
    declaration = submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration
    cdc = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    return triage.medical_verify(
        declaration,
        actor=cdc,
        version=declaration.version,
        symptoms_confirmed=True,
        surveillance=Surveillance.CONCENTRATED,
        start=TODAY,
        end=END,
    )


@pytest.fixture
def commune_team(make_user, places):
    return make_user("community.phunhuan", places.commune, tasks=[Task.COMMUNITY])


def test_it_refuses_to_replace_cdcs_decision_without_the_permission(decided, commune_team):
    with pytest.raises(ValidationError) as caught:
        services.verify_returned(
            decided,
            actor=commune_team,
            version=decided.version,
            surveillance=Surveillance.SELF_MONITORING,
            start=TODAY,
            override_reason="Người dân xin tự theo dõi",
        )
    assert "surveillance" in caught.value.message_dict
    decided.refresh_from_db()
    assert decided.surveillance == Surveillance.CONCENTRATED
    assert decided.verification_state == VerificationState.PENDING


def test_keeping_cdcs_decision_keeps_its_dates(decided, commune_team):
    done = services.verify_returned(
        decided,
        actor=commune_team,
        version=decided.version,
        surveillance=Surveillance.CONCENTRATED,
    )
    assert done.verification_state == VerificationState.RETURNED
    assert (done.surveillance, done.surveillance_start, done.surveillance_end) == (
        Surveillance.CONCENTRATED,
        TODAY,
        END,
    )
    assert not done.events.filter(action="surveillance_override").exists()


def test_a_leader_replaces_it_with_a_reason_recorded_as_an_override(decided, make_user, places):
    leader = make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER, Task.COMMUNITY])
    with pytest.raises(ValidationError) as caught:
        services.verify_returned(
            decided,
            actor=leader,
            version=decided.version,
            surveillance=Surveillance.HOME_QUARANTINE,
            start=TODAY,
        )
    assert "override_reason" in caught.value.message_dict
    done = services.verify_returned(
        decided,
        actor=leader,
        version=decided.version,
        surveillance=Surveillance.HOME_QUARANTINE,
        start=TODAY,
        override_reason="Khu cách ly hết chỗ, BCĐ đồng ý cách ly tại nhà",
    )
    assert done.surveillance == Surveillance.HOME_QUARANTINE
    override = done.events.get(action="surveillance_override")
    assert (override.from_state, override.to_state) == ("concentrated", "home_quarantine")
    assert override.note.startswith("Khu cách ly hết chỗ")


def test_the_verify_page_shows_cdcs_decision_and_asks_for_a_reason(client, decided, commune_team):
    client.force_login(commune_team)
    html = client.get(f"/verification/{decided.pk}/").content.decode()
    assert 'id="cdc-decision"' in html
    assert 'name="override_reason"' in html
    response = client.post(
        f"/verification/{decided.pk}/",
        {
            **form_data(decided.area, sym_fever="1"),
            "version": decided.version,
            "outcome": "returned",
            "surveillance": Surveillance.SELF_MONITORING,
            "surveillance_start": TODAY.strftime("%d/%m/%Y"),
        },
    )
    assert response.status_code == 200
    assert "surveillance" in response.context["outcome_form"].errors
    decided.refresh_from_db()
    assert decided.surveillance == Surveillance.CONCENTRATED
    assert decided.verification_state == VerificationState.PENDING


def test_the_api_refuses_it_too(client, decided, commune_team):
    _token, secret = ApiToken.issue(commune_team, "t")
    response = client.post(
        f"/api/v1/verification/{decided.pk}/returned",
        {"version": decided.version, "surveillance": "self_monitoring", "start": str(TODAY)},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 422
    assert "surveillance" in response.json()["error"]["fields"]
    decided.refresh_from_db()
    assert decided.surveillance == Surveillance.CONCENTRATED
