import pytest

from vigil.accounts.models import Task
from vigil.audit.models import Action, AuditEvent
from vigil.people.models import Person
from vigil.people.services import search_people


@pytest.fixture
def people(make_person, places):
    return {
        "duc": make_person(
            places.commune, "Nguyễn Văn Đức", id_number="046090001234", phone="0905111222"
        ),
        "duc2": make_person(places.commune, "Nguyễn Văn Đức Anh"),
        "an": make_person(places.commune, "Trần Đức An", phone="0912333444"),
        "far": make_person(places.far, "Nguyễn Văn Đức"),
    }


def kinds(matches):
    return [(m.person.full_name, m.kind) for m in matches]


def test_a_name_without_diacritics_finds_the_accented_name(people):
    matches = search_people(Person.objects.all(), "nguyen van duc")
    names = [m.person.full_name for m in matches]
    assert "Nguyễn Văn Đức" in names
    assert matches[0].kind == "name"


def test_it_ranks_exact_id_then_phone_then_name(people, make_person, places):
    # A person whose name is the query's digits cannot exist; instead check
    # ranking across kinds on the same query by making a phone equal an ID.
    make_person(places.commune, "Lê Văn Tám", phone="0905111222")
    matches = search_people(Person.objects.all(), "046090001234")
    assert kinds(matches)[0] == ("Nguyễn Văn Đức", "id")
    matches = search_people(Person.objects.all(), "+84 905 111 222")
    assert {m.kind for m in matches} == {"phone"}
    assert len(matches) == 2


def test_exact_name_comes_before_prefix_and_words(people):
    matches = search_people(Person.objects.all(), "NGUYEN VAN DUC")
    assert [m.kind for m in matches] == ["name", "name", "name_prefix"]
    matches = search_people(Person.objects.all(), "duc")
    assert {m.person.full_name for m in matches} >= {"Trần Đức An", "Nguyễn Văn Đức"}


def test_a_full_name_that_begins_names_does_not_search_inside_others(people, make_person, places):
    make_person(places.commune, "Lê Nguyễn Văn Đức")
    found = {m.person.full_name for m in search_people(Person.objects.all(), "nguyen van duc")}
    assert found == {"Nguyễn Văn Đức", "Nguyễn Văn Đức Anh"}
    # No name begins so: the words are found inside the names.
    found = {m.person.full_name for m in search_people(Person.objects.all(), "van duc")}
    assert found == {"Nguyễn Văn Đức", "Nguyễn Văn Đức Anh", "Lê Nguyễn Văn Đức"}


def test_search_stays_inside_the_scope_it_is_given(people, places):
    qs = Person.objects.filter(area=places.commune)
    assert all(m.person.area == places.commune for m in search_people(qs, "nguyen van duc"))


def test_an_empty_or_one_letter_query_finds_nothing(people):
    assert search_people(Person.objects.all(), "") == []
    assert search_people(Person.objects.all(), "n") == []


def test_the_people_page_masks_identities_and_the_detail_is_logged(
    client, make_user, people, places
):
    user = make_user("hs.phunhuan", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    body = client.get("/people/?q=nguyen van duc").content.decode()
    assert "Nguyễn Văn Đức" in body
    assert "046090001234" not in body
    assert "04•••••••234" in body
    detail = client.get(f"/people/{people['duc'].pk}/").content.decode()
    assert "046090001234" in detail
    assert AuditEvent.objects.filter(
        action=Action.VIEW, actor=user, object_id=str(people["duc"].pk)
    ).exists()


def test_a_leader_sees_the_detail_masked(client, make_user, people, places):
    client.force_login(make_user("leader.pn", places.commune, tasks=[Task.LEADER]))
    detail = client.get(f"/people/{people['duc'].pk}/").content.decode()
    assert "046090001234" not in detail


def test_the_commune_list_shows_only_its_commune(client, make_user, people, places):
    client.force_login(make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION]))
    response = client.get("/people/")
    assert response.context["total"] == 3
