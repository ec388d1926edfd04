"""A person's page lists their latest declarations and says so when there are
more than it shows (issue #16: no list stops silently)."""

import pytest

from vigil.accounts.models import Task
from vigil.people import views

from ..scope.samples import make_declaration


@pytest.mark.parametrize("extra", [0, 1])
def test_the_page_says_when_more_declarations_exist(
    client, make_user, make_person, places, monkeypatch, extra
):
    monkeypatch.setattr(views, "SHOWN_DECLARATIONS", 3)
    person = make_person(places.commune)
    for _ in range(3 + extra):
        make_declaration(person, places.commune)
    client.force_login(make_user("cdc.tinh", places.province, tasks=[Task.CDC]))
    body = client.get(f"/people/{person.pk}/").content.decode()
    items = body.split('id="person-declarations"', 1)[1].split("</ul>", 1)[0]
    assert items.count("<li") == 3
    assert ('id="more-declarations"' in body) is bool(extra)
