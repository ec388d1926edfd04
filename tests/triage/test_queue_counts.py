"""The triage queue's colour counts at national scale (issue #15): each tab's
number is the count of the list it opens, exact up to VIGIL_LIST_COUNT_CAP
and "10.000+" beyond; pages beyond the cap are not offered."""

import datetime
import re

import pytest
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Channel, Declaration, MedicalState

QUEUE = "/triage/"
TODAY = timezone.localdate()
LEVELS = {"green": 0, "yellow": 1, "orange": 2, "red": 3}


@pytest.fixture
def flag(make_person):
    """A declaration waiting for CDC, of `colour` (bare rows: fast)."""
    counter = iter(range(10_000))

    def make(area, colour, full_name="Nguyễn Văn An", **extra):
        n = next(counter)
        fields = {
            "registration_kind": "return_home",
            "departure_country_id": "VN",
            "address": "1 Lê Lợi",
            "transport": "car",
            "arrival_date": TODAY - datetime.timedelta(days=n % 3),
            "created_at": timezone.now() - datetime.timedelta(minutes=n),
            "channel": Channel.WEB,
            "risk_colour": colour,
            "risk_level": LEVELS[colour],
            "medical_state": MedicalState.PENDING,
        }
        fields.update(extra)
        return Declaration.objects.create(person=make_person(area, full_name), area=area, **fields)

    return make


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def tabs(response):
    return {tab["id"]: (tab["count"], tab["capped"]) for tab in response.context["tabs"]}


def test_colour_counts_beyond_the_cap_say_so(client, cdc, places, flag, settings):
    settings.VIGIL_LIST_COUNT_CAP = 3
    for _ in range(4):
        flag(places.commune, "red")
    flag(places.commune, "yellow")
    client.force_login(cdc)
    response = client.get(QUEUE)
    counts = tabs(response)
    assert counts["colour-all"] == (3, True)
    assert counts["colour-red"] == (3, True)
    assert counts["colour-yellow"] == (1, False)
    assert counts["colour-orange"] == (0, False)
    body = response.content.decode()
    shown = dict(
        re.findall(r'id="(colour-\w+)".*?<strong class="count"[^>]*>([^<]*)</strong>', body)
    )
    assert shown["colour-all"] == "3+" and shown["colour-red"] == "3+"
    assert shown["colour-yellow"] == "1"
    assert response.context["total"] == 3 and response.context["capped"]
    assert 'data-capped="true"' in body


@pytest.mark.parametrize(
    "params",
    [{}, {"commune": "neighbour"}, {"q": "Trần Thị Bích"}, {"colour": "orange"}],
)
def test_every_colour_count_is_the_length_of_the_list_it_opens(client, cdc, places, flag, params):
    flag(places.commune, "red")
    flag(places.commune, "orange", "Trần Thị Bích")
    flag(places.neighbour, "orange")
    flag(places.neighbour, "yellow", "Trần Thị Bích")
    flag(places.neighbour, "red", medical_state=MedicalState.VERIFIED)  # done
    flag(places.far, "red")  # outside the district
    if params.get("commune") == "neighbour":
        params = {"commune": places.neighbour.pk}
    client.force_login(cdc)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    for tab in response.context["tabs"]:
        opened = client.get(tab["url"])
        assert opened.context["total"] == tab["count"], (tab["id"], params)
        assert len(opened.context["page"]) == tab["count"], (tab["id"], params)


def test_pages_beyond_the_cap_are_not_offered(client, cdc, places, flag, settings):
    settings.VIGIL_LIST_COUNT_CAP = 60
    for _ in range(120):
        flag(places.commune, "yellow")
    client.force_login(cdc)
    page = client.get(QUEUE, {"page": 3}).context["page"]
    assert page.paginator.num_pages == 2 and page.number == 2


def test_the_api_counts_each_colour_up_to_the_cap(client, cdc, places, flag, settings):
    from vigil.accounts.models import ApiToken

    settings.VIGIL_LIST_COUNT_CAP = 2
    for _ in range(3):
        flag(places.commune, "red")
    flag(places.commune, "orange")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(cdc, 'test')[1]}"}
    body = client.get("/api/v1/triage/queue", **auth).json()
    assert (body["total"], body["capped"]) == (2, True)
    assert body["counts"] == {"green": 0, "yellow": 0, "orange": 1, "red": 2}
    assert body["counts_capped"] == {"green": False, "yellow": False, "orange": False, "red": True}
    assert len(body["items"]) == 4
