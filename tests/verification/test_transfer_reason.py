"""A transfer to another commune asks for its reason, kept in the history and the audit log."""

import pytest
from django.core.exceptions import ValidationError

from vigil.accounts.models import ApiToken, Task
from vigil.audit.models import AuditEvent
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration
from vigil.declarations.services import submit_declaration
from vigil.verification import services

from ..declarations.helpers import form_data
from .test_views import page_data, verify_url

REASON = "Ở với con tại Vĩnh Ninh"


@pytest.fixture
def declaration(places):
    form = DeclarationForm(form_data(places.commune))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


@pytest.fixture
def clerk(make_user, places):
    return make_user("community.pn", places.commune, tasks=[Task.COMMUNITY])


def unmoved(declaration, places):
    now = Declaration.objects.get(pk=declaration.pk)
    assert (now.area, now.version) == (places.commune, declaration.version)
    assert not now.events.exists()


@pytest.mark.parametrize("note", ["", "   "])
def test_the_service_refuses_a_transfer_without_a_reason(declaration, clerk, places, note):
    with pytest.raises(ValidationError) as refused:
        services.transfer(
            declaration, actor=clerk, version=declaration.version, target=places.neighbour,
            note=note,
        )  # fmt: skip
    assert "note" in refused.value.message_dict
    unmoved(declaration, places)


def test_the_reason_is_kept_in_the_history_and_the_audit_log(declaration, clerk, places):
    services.transfer(
        declaration, actor=clerk, version=declaration.version, target=places.neighbour,
        note=f"  {REASON} ",
    )  # fmt: skip

    event = Declaration.objects.get(pk=declaration.pk).events.get()
    assert (event.action, event.note) == ("transfer", REASON)
    audit = AuditEvent.objects.get(object_id=str(declaration.pk), detail__action="transfer")
    assert audit.detail["note"] == REASON


def test_the_verify_page_asks_for_the_reason_next_to_the_commune(
    client, declaration, clerk, places
):
    client.force_login(clerk)
    page = client.get(verify_url(declaration)).content.decode()
    assert 'name="transfer_reason"' in page

    data = page_data(declaration, outcome="transfer", target=places.neighbour.pk)
    response = client.post(verify_url(declaration), data)

    assert response.status_code == 200
    assert list(response.context["outcome_form"].errors) == ["transfer_reason"]
    assert 'id="id_transfer_reason_error"' in response.content.decode()
    unmoved(declaration, places)

    data["transfer_reason"] = REASON
    assert client.post(verify_url(declaration), data).status_code == 302
    assert Declaration.objects.get(pk=declaration.pk).events.get().note == REASON


def test_the_api_refuses_a_transfer_without_a_note(client, declaration, clerk, places):
    secret = ApiToken.issue(clerk, "test")[1]
    url = f"/api/v1/verification/{declaration.pk}/transfer"
    body = {"version": declaration.version, "target_commune_code": places.neighbour.code}

    response = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["note"]
    unmoved(declaration, places)
