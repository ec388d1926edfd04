"""The quarantine lists' totals at national scale (issue #15): exact up to
VIGIL_LIST_COUNT_CAP, "10.000+" beyond, and no page beyond the cap."""

from ..scope.samples import make_declaration
from .conftest import DAY, TODAY
from .test_views import beds, cdc, facility, take_in  # noqa: F401 (fixtures)


def test_the_stay_list_counts_up_to_the_cap(client, cdc, beds, make_person, places, settings):  # noqa: F811
    settings.VIGIL_LIST_COUNT_CAP = 2
    for n, bed in enumerate(beds[:3]):
        take_in(make_person(places.commune, f"Người {n}"), bed, cdc, TODAY - n * DAY)
    client.force_login(cdc)
    response = client.get("/quarantine/")
    assert response.context["total"] == 2 and response.context["capped"]
    assert len(response.context["page"]) == 2
    body = response.content.decode()
    assert 'data-capped="true"' in body and ": 2+" in body

    settings.VIGIL_LIST_COUNT_CAP = 3
    response = client.get("/quarantine/")
    assert response.context["total"] == 3 and not response.context["capped"]
    assert 'data-capped="true"' not in response.content.decode()


def test_the_to_take_in_list_counts_up_to_the_cap(
    client, sent, make_person, places, cdc_hue, decide, settings
):
    for name in ("Lê Thị Sau", "Trần Văn Ba"):
        decide(make_declaration(make_person(places.neighbour, name), places.neighbour), cdc_hue)
    settings.VIGIL_LIST_COUNT_CAP = 2
    client.force_login(cdc_hue)
    response = client.get("/quarantine/to-take-in/")
    assert response.context["total"] == 2 and response.context["capped"]
    # Oldest decision first, whatever the cap.
    assert [d.pk for d in response.context["page"]][0] == sent.pk
    assert 'data-capped="true"' in response.content.decode()
    settings.VIGIL_LIST_COUNT_CAP = 10
    assert client.get("/quarantine/to-take-in/").context["total"] == 3


def test_the_api_lists_count_up_to_the_cap(client, cdc, beds, make_person, places, settings):  # noqa: F811
    from vigil.accounts.models import ApiToken

    for n, bed in enumerate(beds[:3]):
        take_in(make_person(places.commune, f"Người {n}"), bed, cdc, TODAY - n * DAY)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(cdc, 'test')[1]}"}
    settings.VIGIL_LIST_COUNT_CAP = 2
    body = client.get("/api/v1/quarantine/stays", **auth).json()
    assert (body["total"], body["capped"], len(body["items"])) == (2, True, 3)
    settings.VIGIL_LIST_COUNT_CAP = 3
    body = client.get("/api/v1/quarantine/stays", **auth).json()
    assert (body["total"], body["capped"]) == (3, False)
