"""The audit log reads as sentences in the interface language, with links."""

import datetime

import pytest
from django.utils import translation
from django.utils.html import strip_tags

from vigil.accounts import services as accounts
from vigil.accounts.models import Task
from vigil.audit.models import Action, AuditEvent
from vigil.audit.services import log
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Surveillance, VerificationState
from vigil.declarations.services import submit_declaration
from vigil.verification import services as verification

from ..declarations.helpers import form_data

TODAY = datetime.date.today()


@pytest.fixture
def admin(make_user, places):
    return make_user("ioc.admin", places.province, tasks=[Task.ADMIN], full_name="Trần Quản Trị")


@pytest.fixture
def verified(make_user, places):
    form = DeclarationForm(form_data(places.commune))
    assert form.is_valid(), form.errors
    declaration = submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration
    clerk = make_user("digit.pn", places.commune, tasks=["digitisation"], full_name="Nguyễn Văn A")
    verification.verify_returned(
        declaration, actor=clerk, version=declaration.version,
        surveillance=Surveillance.HOME_QUARANTINE, start=TODAY, end=TODAY + datetime.timedelta(14),
    )  # fmt: skip
    return declaration


def rows(client, query=""):
    return client.get("/audit/" + query).context["rows"]


def test_a_verification_reads_as_a_sentence_with_the_states_by_name(client, admin, verified):
    client.cookies["vigil_language"] = "en"
    client.force_login(admin)

    row = next(r for r in rows(client) if r.event.object_type == "declarations.declaration")

    assert "Nguyễn Văn A" in row.sentence
    assert "Verified: returned to the locality" in row.sentence
    assert f'<a href="/declarations/{verified.pk}/">declaration {verified}</a>' in row.sentence
    state = dict(row.details)["state"]
    assert state == f"{VerificationState.PENDING.label} → {VerificationState.RETURNED.label}"
    body = client.get("/audit/").content.decode()
    assert "{&#x27;" not in body and "{'" not in body  # no dict repr anywhere


def test_the_sentence_follows_the_interface_language(client, admin, make_user, places):
    clerk = make_user("clerk.pn", places.commune, tasks=[Task.HEALTH_STATION])
    log(admin, Action.CHANGE, clerk, detail={"tasks": [Task.CDC, Task.POLICE]})
    client.force_login(admin)

    client.cookies["vigil_language"] = "en"
    english = rows(client)[0]
    client.cookies["vigil_language"] = "vi"
    vietnamese = rows(client)[0]

    assert "Trần Quản Trị changed account" in strip_tags(english.sentence)
    with translation.override("vi"):
        expected = translation.gettext("%(actor)s changed %(record)s").split("%(record)s")[0]
        tasks = f"{Task.CDC.label}, {Task.POLICE.label}"
    assert expected != "%(actor)s changed "
    assert expected % {"actor": "Trần Quản Trị"} in strip_tags(vietnamese.sentence)
    # The generic renderer names the field by its verbose name, values by label.
    assert (str(vietnamese.details[0][0]), vietnamese.details[0][1]) == ("nhóm nhiệm vụ", tasks)


def test_a_reset_password_is_described_in_words(client, admin, make_user, places):
    clerk = make_user("clerk.r", places.commune, tasks=[Task.CDC])
    accounts.reset_password(admin, clerk)
    client.cookies["vigil_language"] = "en"
    client.force_login(admin)

    row = rows(client)[0]

    assert f'href="/accounts/{clerk.pk}/"' in row.sentence
    assert ("password", "reset by an administrator") in row.details


def test_the_history_link_filters_the_log_to_one_record(client, admin, make_person, places):
    first, second = make_person(places.commune, "Phan Văn Một"), make_person(places.commune, "Hai")
    log(admin, Action.VIEW, first)
    log(admin, Action.VIEW, second)
    client.force_login(admin)

    history = next(r for r in rows(client) if r.event.object_id == str(first.pk)).history_url
    found = rows(client, history)

    assert [r.event.object_id for r in found] == [str(first.pk)]
    assert AuditEvent.objects.filter(object_type="people.person").count() == 2
