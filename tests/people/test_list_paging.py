"""The people list at scale: a capped total and keyset pages by name."""

from vigil.accounts.models import Task
from vigil.people import views

LIST = "/people/"


def names(response):
    return [p.full_name for p in response.context["page"]]


def test_pages_by_name_inside_the_jurisdiction_with_a_capped_total(
    client, make_user, make_person, places, settings, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    settings.VIGIL_LIST_COUNT_CAP = 3
    for name in ("Đỗ Văn Em", "An Thị Bé", "Cao Văn Cả", "Bùi Văn Ba", "Ê Văn Gì"):
        make_person(places.commune, name)
    make_person(places.far, "A Văn Xa")  # another district
    user = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    client.force_login(user)
    response = client.get(LIST)
    assert (response.context["total"], response.context["capped"]) == (3, True)
    assert "3+" in response.content.decode()
    seen = names(response)
    while response.context["pager"]["next"]:
        response = client.get(LIST + response.context["pager"]["next"])
        seen += names(response)
    # Folded names in order (Đ as d, Ê as e), nobody from the other district.
    assert seen == ["An Thị Bé", "Bùi Văn Ba", "Cao Văn Cả", "Đỗ Văn Em", "Ê Văn Gì"]
    back = client.get(LIST + response.context["pager"]["previous"])
    assert names(back) == ["Cao Văn Cả", "Đỗ Văn Em"]
    settings.VIGIL_LIST_COUNT_CAP = 100
    response = client.get(LIST)
    assert (response.context["total"], response.context["capped"]) == (5, False)
