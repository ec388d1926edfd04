"""The case list's orders (issue #16): newest record first, oldest first, and
by name while the filtered cases are within the count cap."""

from vigil.investigation.models import Case
from vigil.people.models import Person


def listed(client, **params):
    response = client.get("/investigation/cases/", params)
    return [c.pk for c in response.context["page"]], response


def test_the_case_list_sorts_by_date_both_ways_and_by_name(client, cdc, make_case, settings):
    cases = [make_case() for _n in range(3)]
    # Names in the other order than the records were made.
    for case, name in zip(cases, ["Lê Văn B", "Trần Văn C", "Đỗ Văn A"], strict=True):
        person = Person.objects.get(pk=case.person_id)
        person.full_name = name
        person.save()
    client.force_login(cdc)
    made = [c.pk for c in Case.objects.order_by("created_at", "id")]
    assert listed(client)[0] == made[::-1]
    assert listed(client, sort="oldest")[0] == made
    pks, response = listed(client, sort="name")
    assert pks == [made[2], made[0], made[1]]  # Đỗ, Lê, Trần
    body = response.content.decode()
    assert 'aria-sort="ascending"><a href="?sort=name"' in body
    assert 'id="sort-menu-oldest"' in body  # the dates have no column: a menu
    settings.VIGIL_LIST_COUNT_CAP = 2
    pks, response = listed(client, sort="name")
    assert response.context["sort_refused"] and response.context["sort"].key == "newest"
    assert pks == made[::-1][:2]  # newest first, the cap's worth
    assert 'id="sort-refused"' in response.content.decode()
