"""The verification queues' counts at national scale (issue #15): every tab's
number is the count of the list it opens (filters included), exact up to
VIGIL_LIST_COUNT_CAP and "10.000+" beyond; pages beyond the cap are not
offered."""

import datetime
import re

import pytest
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Channel, Declaration, VerificationState

QUEUE = "/verification/"
TODAY = timezone.localdate()


@pytest.fixture
def declare(make_person):
    counter = iter(range(10_000))

    def make(area, full_name="Nguyễn Văn An", **extra):
        n = next(counter)
        fields = {
            "registration_kind": "return_home",
            "departure_country_id": "VN",
            "address": "1 Lê Lợi",
            "transport": "car",
            "arrival_date": TODAY - datetime.timedelta(days=n % 5),
            "created_at": timezone.now() - datetime.timedelta(minutes=n),
            "channel": Channel.WEB,
        }
        fields.update(extra)
        return Declaration.objects.create(person=make_person(area, full_name), area=area, **fields)

    return make


@pytest.fixture
def district_clerk(make_user, places):
    return make_user("digit.hue", places.district, tasks=[Task.DIGITISATION])


def tabs(response):
    return {key: (n, capped) for key, _t, _u, n, capped, _a in response.context["tabs"]}


def tab_urls(response):
    return {key: url for key, _t, url, _n, _c, _a in response.context["tabs"]}


def badge(body, key):
    """The text of a tab's count badge."""
    match = re.search(rf'id="tab-{key}">.*?<span class="badge[^"]*"[^>]*>([^<]*)</span>', body)
    return match.group(1)


def test_tab_counts_beyond_the_cap_say_so(client, district_clerk, places, declare, settings):
    settings.VIGIL_LIST_COUNT_CAP = 3
    for _ in range(5):
        declare(places.commune, registration_kind="student")
    declare(places.commune, registration_kind="medical")
    client.force_login(district_clerk)

    response = client.get(QUEUE)
    counts = tabs(response)
    assert counts["pending"] == (3, True)
    assert response.context["total"] == 3 and response.context["capped"]
    assert counts["students"] == (3, True)
    assert counts["medical"] == (1, False)
    assert counts["failed"] == (0, False)
    body = response.content.decode()
    assert badge(body, "students") == "3+" and badge(body, "pending") == "3+"
    assert badge(body, "medical") == "1"

    response = client.get("/verification/students/")
    assert response.context["total"] == 3 and response.context["capped"]
    assert 'data-capped="true"' in response.content.decode()
    # Pages are offered up to the cap only.
    assert len(response.context["page"]) == 3


def test_a_keyword_counts_pending_up_to_the_cap(client, district_clerk, places, declare, settings):
    settings.VIGIL_LIST_COUNT_CAP = 3
    for _ in range(4):
        declare(places.commune, "Trần Thị Bích")
    declare(places.commune, "Lê Văn Khác")
    client.force_login(district_clerk)
    response = client.get(QUEUE, {"q": "tran thi bich"})
    assert tabs(response)["pending"] == (3, True)
    assert response.context["capped"]
    assert len(response.context["page"]) == 3


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"commune": "neighbour"},
        {"colour": "red"},
        {"kind": "student"},
        {"channel": Channel.APP},
        {"q": "Trần Thị Bích"},
        {"date_on": "arrival", "date_from": (TODAY - datetime.timedelta(days=1)).isoformat()},
    ],
)
def test_every_tab_count_is_the_length_of_the_list_it_opens(
    client, district_clerk, places, declare, params
):
    declare(places.commune, registration_kind="student", risk_colour="red")
    declare(places.commune, "Trần Thị Bích", registration_kind="medical", channel=Channel.APP)
    declare(places.neighbour, "Trần Thị Bích", risk_colour="red")
    declare(places.neighbour, verification_state=VerificationState.FAILED, risk_colour="red")
    declare(places.commune, verification_state=VerificationState.FAILED, channel=Channel.APP)
    declare(places.neighbour, verification_state=VerificationState.RETURNED,
            amended_after_decision=True)  # fmt: skip
    declare(places.far, risk_colour="red")  # outside the district
    if params.get("commune") == "neighbour":
        params = {"commune": places.neighbour.pk}
    client.force_login(district_clerk)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    counts, urls = tabs(response), tab_urls(response)
    assert any(n for n, _c in counts.values())
    for key, url in urls.items():
        opened = client.get(url)
        assert opened.context["total"] == counts[key][0], (key, params)
        assert len(opened.context["page"]) == counts[key][0], (key, params)


def test_pages_beyond_the_cap_are_not_offered(client, district_clerk, places, declare, settings):
    settings.VIGIL_LIST_COUNT_CAP = 60
    for _ in range(120):
        declare(places.commune)
    client.force_login(district_clerk)
    response = client.get(QUEUE, {"page": 3})
    page = response.context["page"]
    assert page.paginator.num_pages == 2 and page.number == 2
    assert response.context["total"] == 60 and response.context["capped"]


def test_the_api_counts_the_queue_up_to_the_cap(client, district_clerk, places, declare, settings):
    from vigil.accounts.models import ApiToken

    settings.VIGIL_LIST_COUNT_CAP = 3
    oldest = [declare(places.commune, registration_kind="student") for _ in range(5)][-1]
    declare(places.commune)
    token = ApiToken.issue(district_clerk, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = client.get("/api/v1/verification/queue", {"registration_kind": "student"}, **auth).json()
    assert (body["total"], body["capped"]) == (3, True)
    assert len(body["items"]) == 5 and body["items"][0]["id"] == oldest.pk
    settings.VIGIL_LIST_COUNT_CAP = 10
    body = client.get("/api/v1/verification/queue", **auth).json()
    assert (body["total"], body["capped"], len(body["items"])) == (6, False, 6)
