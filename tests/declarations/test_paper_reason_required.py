"""A paper form typed in by staff must say why paper was used (§II.12, #16):
the entry page and the staff API refuse it without a reason, with the message
next to the field; the import of old files keeps it optional, and those rows
count as "not recorded"."""

import re

import pytest

from vigil.accounts.models import ApiToken, Task
from vigil.declarations import required
from vigil.declarations.imports import import_paper_forms
from vigil.declarations.models import Channel, Declaration

from ..api.test_declarations_api import BASE, post, staff_body
from .test_paper_import import row, xlsx
from .test_staff_entry import NEW, entry


@pytest.fixture
def clerk(make_user, places, client, settings):
    user = make_user("so.hoa.phunhuan", places.commune, tasks=[Task.DIGITISATION])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def token(clerk):
    return ApiToken.issue(clerk, "tablet")[1]


def test_the_rule_asks_for_a_reason_on_paper_only_and_not_for_imports():
    assert required.paper_reason_required(Channel.PAPER)
    assert not required.paper_reason_required(Channel.PAPER, imported=True)
    assert not required.paper_reason_required(Channel.WALK_IN)
    assert set(required.missing_paper_reason(Channel.PAPER, "", "")) == {"paper_reason"}
    assert required.missing_paper_reason(Channel.PAPER, "no_network", "") == {}
    assert set(required.missing_paper_reason(Channel.PAPER, "other", "  ")) == {
        "paper_reason_other"
    }


def test_the_entry_page_marks_the_reason_required(client, clerk):
    body = client.get(NEW, {"channel": "paper"}).content.decode()
    label = re.search(r'<label[^>]*for="id_paper_reason"[^>]*>(.*?)</label>', body, re.S)
    assert "Why paper was used" in label.group(1) and "*" in label.group(1)
    options = re.search(r'<select name="paper_reason".*?</select>', body, re.S).group(0)
    assert "Not recorded" not in options  # no longer a choice when typing a form in


def test_a_paper_form_without_a_reason_is_refused_next_to_the_field(client, clerk, places):
    response = client.post(NEW, entry(places.commune, channel="paper", paper_reason=""))
    assert response.status_code == 200
    assert not Declaration.objects.exists()
    assert not response.context["form"].errors  # only the reason is missing
    assert response.context["paper_form"].errors == {"paper_reason": ["Choose why paper was used."]}
    body = response.content.decode()
    message = re.search(r'<div[^>]*id="id_paper_reason_error"[^>]*>(.*?)</div>', body, re.S)
    assert message.group(1) == "Choose why paper was used."
    # The clerk lands on it.
    select = re.search(r'<select name="paper_reason"[^>]*>', body).group(0)
    assert "autofocus" in select and 'aria-describedby="id_paper_reason_error"' in select
    # Chosen, it saves.
    client.post(NEW, entry(places.commune, channel="paper", paper_reason="elderly_child"))
    assert Declaration.objects.get().paper_reason == "elderly_child"


def test_a_walk_in_needs_no_reason(client, clerk, places):
    response = client.post(NEW, entry(places.commune, channel="walk_in"))
    assert response.status_code == 302
    assert Declaration.objects.get().paper_reason == ""


def test_the_staff_api_refuses_a_paper_form_without_a_reason(client, places, token):
    paper = staff_body(
        places, channel="paper", paper_form_number="PN-1", paper_form_date="2021-08-21"
    )
    response = post(client, f"{BASE}/staff", paper, token, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422, response.content
    fields = response.json()["error"]["fields"]
    assert fields == {"paper_reason": ["Choose why paper was used."]}
    other = post(client, f"{BASE}/staff", {**paper, "paper_reason": "other"}, token)
    assert set(other.json()["error"]["fields"]) == {"paper_reason_other"}
    wrong = post(client, f"{BASE}/staff", {**paper, "paper_reason": "lazy"}, token)
    assert set(wrong.json()["error"]["fields"]) == {"paper_reason"}
    assert not Declaration.objects.exists()
    saved = post(
        client,
        f"{BASE}/staff",
        {**paper, "paper_reason": "other", "paper_reason_other": " Mất  sóng "},
        token,
    )
    assert saved.status_code == 201, saved.content
    assert (saved.json()["paper_reason"], saved.json()["paper_reason_other"]) == (
        "other",
        "Mất sóng",
    )
    declaration = Declaration.objects.get()
    assert (declaration.paper_reason, declaration.paper_reason_other) == ("other", "Mất sóng")


def test_the_staff_api_keeps_no_reason_on_another_channel(client, places, token):
    walk_in = staff_body(places, channel="walk_in", paper_reason="no_network")
    response = post(client, f"{BASE}/staff", walk_in, token)
    assert response.status_code == 201, response.content
    assert Declaration.objects.get().paper_reason == ""


def test_the_openapi_document_describes_the_reason(client):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"][f"{BASE}/staff"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert "paper_reason" in schema["properties"]
    assert "paper_reason_other" in schema["properties"]


def test_an_imported_file_may_leave_the_reason_out(clerk, places):
    result = import_paper_forms(xlsx([row(places.commune, 0)]), clerk)
    assert result.ok, [str(e) for e in result.errors] or result.file_error
    declaration = Declaration.objects.get()
    assert (declaration.channel, declaration.paper_reason) == (Channel.PAPER, "")
