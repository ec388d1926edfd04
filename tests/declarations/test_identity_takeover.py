"""Issue #12, finding 1: typing someone's name and ID number on the citizens'
channels (the app API with an SMS-verified phone of one's own, the /khai-bao/
pages) must not reveal what staff recorded about that person, move them to
another commune, or overwrite who they are. What differs from the record is
a flag for the commune.
"""

import re

import pytest

from tests.api.test_declarations_api import BASE, body, post, put, sign_in
from tests.declarations.helpers import form_data
from vigil.accounts.models import ApiToken, Task
from vigil.core.masking import mask_phone
from vigil.declarations.models import Declaration
from vigil.declarations.sms import FileBackend

ATTACKER = "0987000111"
RECORDED = {
    "full_name": "Lê Thị Nạn Nhân",
    "id_number": "046185000111",
    "phone": "0905999888",
    "birth_year": 1970,
    "gender": "female",
    "occupation": "Giáo viên",
}


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    settings.VIGIL_SMS_BACKEND = "file"
    settings.VIGIL_SMS_FILE = str(tmp_path / "sms.jsonl")


@pytest.fixture
def victim(make_person, places):
    """A person the commune's staff recorded, with a phone, birth year, gender, occupation."""
    fields = {k: v for k, v in RECORDED.items() if k != "full_name"}
    return make_person(places.commune, RECORDED["full_name"], **fields)


def token_of(make_user, username, unit):
    user = make_user(username, unit, tasks=[Task.HEALTH_STATION])
    return ApiToken.issue(user, "tablet")[1]


def staff_get(client, url, token):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_untouched(person, places):
    person.refresh_from_db()
    assert person.area == places.commune
    for field, value in RECORDED.items():
        assert getattr(person, field) == value, field


def assert_nothing_recorded_in(text):
    for value in (RECORDED["phone"], mask_phone(RECORDED["phone"]), RECORDED["occupation"]):
        assert value not in text
    assert RECORDED["full_name"] not in text


def assert_flagged(client, declaration, token):
    """The declared commune's staff see the declaration, flagged, with what differs."""
    response = staff_get(client, f"/api/v1/declarations/{declaration.pk}", token)
    assert response.status_code == 200, response.content
    assert response.json()["identity_conflict"] is True
    events = declaration.events.filter(action="correction_requested")
    changed = set().union(*(event.data["changes"] for event in events))
    assert {"phone", "birth_year", "gender"} <= changed


def test_the_app_api_neither_reveals_nor_changes_a_known_person(client, places, victim, make_user):
    home_staff = token_of(make_user, "hs.home", places.commune)
    far_staff = token_of(make_user, "hs.far", places.far)
    token = sign_in(client, ATTACKER)
    typed = body(
        places,
        full_name="Le Thi Nan Nhan",
        id_number=RECORDED["id_number"],
        birth_year=1999,
        gender="male",
        area_code=places.far.code,
    )
    response = post(client, BASE, typed, token)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["phone"] == ATTACKER  # the verified phone, as typed by default
    assert (out["birth_year"], out["gender"], out["occupation"]) == (1999, "male", "")
    assert out["full_name"] == "Le Thi Nan Nhan"
    assert_nothing_recorded_in(response.content.decode())
    declaration = Declaration.objects.get(code=out["code"])
    assert declaration.person_id == victim.pk
    assert declaration.area == places.far
    assert_untouched(victim, places)
    assert staff_get(client, f"/api/v1/people/{victim.pk}", home_staff).status_code == 200
    assert_flagged(client, declaration, far_staff)

    for url in (f"{BASE}/mine/{out['code']}", f"{BASE}/mine"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        assert_nothing_recorded_in(response.content.decode())

    changed = {
        **typed,
        "phone": "0987000222",
        "birth_year": 2000,
        "occupation": "Thợ khóa",
        "version": out["version"],
    }
    response = put(client, f"{BASE}/mine/{out['code']}", changed, token)
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["phone"], out["birth_year"], out["occupation"]) == ("0987000222", 2000, "Thợ khóa")
    assert_nothing_recorded_in(response.content.decode())
    assert_untouched(victim, places)
    assert staff_get(client, f"/api/v1/people/{victim.pk}", home_staff).status_code == 200
    assert (
        "occupation"
        in declaration.events.filter(action="correction_requested").last().data["changes"]
    )


# The public web ------------------------------------------------------------------


def verify_web(client, phone):
    assert client.post("/khai-bao/", {"phone": phone}).status_code == 302
    text = FileBackend().messages(phone)[-1]["text"]
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert client.post("/khai-bao/code/", {"code": code}).status_code == 302


def value_of(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else None


def page(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_public_web_neither_reveals_nor_changes_a_known_person(
    client, places, victim, make_user
):
    home_staff = token_of(make_user, "hs.home", places.commune)
    far_staff = token_of(make_user, "hs.far", places.far)
    verify_web(client, ATTACKER)
    key = value_of(page(client.get("/khai-bao/new/")), "idempotency_key")
    typed = form_data(
        places.far,
        full_name="LE THI NAN NHAN",
        id_number=RECORDED["id_number"],
        phone=ATTACKER,
        birth_year="1999",
        gender="male",
        idempotency_key=key,
    )
    response = client.post("/khai-bao/new/", typed)
    assert response.status_code == 302, response.content.decode()[:2000]
    declaration = Declaration.objects.get(submitter_phone=ATTACKER)
    assert declaration.person_id == victim.pk
    html = page(client.get(response.url))
    assert_nothing_recorded_in(html)
    assert "1970" not in html
    assert_nothing_recorded_in(page(client.get("/khai-bao/mine/")))
    edit_url = f"/khai-bao/d/{declaration.code}/edit/"
    html = page(client.get(edit_url))
    assert_nothing_recorded_in(html)
    assert value_of(html, "phone") == ATTACKER
    assert value_of(html, "birth_year") == "1999"
    assert_untouched(victim, places)
    assert staff_get(client, f"/api/v1/people/{victim.pk}", home_staff).status_code == 200
    assert_flagged(client, declaration, far_staff)

    changed = {
        **typed,
        "phone": "0987000222",
        "birth_year": "2000",
        "occupation": "Thợ khóa",
        "version": value_of(html, "version"),
    }
    response = client.post(edit_url, changed)
    assert response.status_code == 302, response.content.decode()[:2000]
    html = page(client.get(response.url))
    assert_nothing_recorded_in(html)
    assert "2000" in html
    assert_untouched(victim, places)
    assert staff_get(client, f"/api/v1/people/{victim.pk}", home_staff).status_code == 200


# One Person per ID number (finding 4; the races themselves are in
# tests/people/test_identity_race.py, on PostgreSQL) --------------------------


def test_the_same_id_under_another_name_is_a_new_person_without_the_number(places, make_person):
    from django.apps import apps

    from vigil.declarations import services
    from vigil.declarations.forms import DeclarationForm
    from vigil.declarations.models import Channel

    known = make_person(places.commune, RECORDED["full_name"], id_number=RECORDED["id_number"])
    form = DeclarationForm(form_data(places.far, id_number=RECORDED["id_number"]))
    assert form.is_valid(), form.errors
    declaration = services.submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB, submitter_phone=ATTACKER
    ).declaration
    assert declaration.person_id != known.pk
    assert declaration.person.id_number == ""
    assert declaration.declared.id_number == RECORDED["id_number"]
    assert declaration.identity_conflict
    assert (
        apps.get_model("people", "Person").objects.filter(id_number=RECORDED["id_number"]).get()
        == known
    )


def test_staff_cannot_give_a_person_someone_elses_id_number(places, make_person, make_user):
    from django.core.exceptions import ValidationError

    from vigil.people.services import correct_person

    make_person(places.commune, "Người Có Số", id_number=RECORDED["id_number"])
    other = make_person(places.commune, "Người Khác")
    staff = make_user("hs.fix", places.commune, tasks=[Task.HEALTH_STATION])
    with pytest.raises(ValidationError) as refused:
        correct_person(staff, other, other.version, {"id_number": RECORDED["id_number"]})
    assert "id_number" in refused.value.message_dict


def test_the_migration_stops_on_duplicated_id_numbers_and_lists_them(places, make_person):
    import importlib

    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("vigil.people.migrations.0005_unique_id_number")
    migration.refuse_duplicates(apps, None)  # no duplicates: nothing to say
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX person_unique_id_number")
    first = make_person(places.commune, "Người Thứ Nhất", id_number=RECORDED["id_number"])
    second = make_person(places.far, "Người Thứ Hai", id_number=RECORDED["id_number"])
    with pytest.raises(migration.DuplicateIdNumbers) as stopped:
        migration.refuse_duplicates(apps, None)
    message = str(stopped.value)
    assert RECORDED["id_number"] in message
    assert f"#{first.pk} Người Thứ Nhất" in message and f"#{second.pk} Người Thứ Hai" in message
