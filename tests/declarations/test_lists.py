"""The declaration list: scope, filters, quick tabs, totals, masking, bounded queries."""

import datetime

import pytest
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Channel, Declaration

LIST = "/declarations/"


@pytest.fixture
def declare(make_person):
    counter = iter(range(10**6))

    def make(area, full_name="Nguyễn Văn An", channel=Channel.WEB, days_ago=0, **extra):
        n = next(counter)
        person = extra.pop("person", None) or make_person(area, full_name)
        fields = {
            "registration_kind": "return_home",
            "departure_country_id": "VN",
            "address": f"{n} Lê Lợi",
            "transport": "car",
            "arrival_date": timezone.localdate() - datetime.timedelta(days=days_ago),
            "created_at": timezone.now() - datetime.timedelta(days=days_ago),
        }
        fields.update(extra)
        return Declaration.objects.create(person=person, area=area, channel=channel, **fields)

    return make


@pytest.fixture
def district_user(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


def shown(response):
    return [d.pk for d in response.context["page"]]


def test_a_district_user_sees_its_communes_not_another_district(
    client, district_user, places, declare
):
    mine = declare(places.commune)
    neighbour = declare(places.neighbour)
    far = declare(places.far, "Bùi Thị Xa")
    client.force_login(district_user)
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(shown(response)) == {mine.pk, neighbour.pk}
    assert response.context["total"] == 2
    assert far.code not in response.content.decode()
    # The district's communes only, in the filter.
    communes = response.context["form"].fields["commune"].queryset
    assert places.commune in communes and places.far not in communes
    districts = response.context["form"].fields["district"].queryset
    assert list(districts) == [places.district]


def test_newest_first_with_a_link_to_the_detail(client, district_user, places, declare):
    old = declare(places.commune, days_ago=3)
    new = declare(places.commune)
    client.force_login(district_user)
    response = client.get(LIST)
    assert shown(response) == [new.pk, old.pk]
    assert f'href="/declarations/{new.pk}/"' in response.content.decode()


def test_a_commune_outside_the_jurisdiction_in_the_url_shows_nothing(
    client, make_user, places, declare
):
    declare(places.commune)
    declare(places.neighbour)
    user = make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])
    client.force_login(user)
    assert client.get(LIST).context["form"]["district"].is_hidden
    response = client.get(LIST, {"commune": places.neighbour.pk})
    assert shown(response) == []
    assert response.context["total"] == 0
    response = client.get(LIST, {"district": places.other_district.pk})
    assert shown(response) == []


def test_filters_by_commune_channel_kind_and_dates(client, district_user, places, declare):
    paper = declare(places.commune, channel=Channel.PAPER, days_ago=2)
    student = declare(places.neighbour, registration_kind="student", days_ago=5)
    today = declare(places.commune)
    client.force_login(district_user)

    def pks(**params):
        return set(shown(client.get(LIST, params)))

    assert pks(commune=places.commune.pk) == {paper.pk, today.pk}
    assert pks(district=places.district.pk) == {paper.pk, student.pk, today.pk}
    assert pks(channel="paper") == {paper.pk}
    assert pks(kind="student") == {student.pk}
    day = (timezone.localdate() - datetime.timedelta(days=2)).strftime("%d/%m/%Y")
    assert pks(date_from=day, date_to=day) == {paper.pk}
    assert pks(date_on="arrival", date_from=day) == {paper.pk, today.pk}
    assert pks(date_from="not a date") == set()


def test_keyword_finds_folded_names_id_numbers_phones_and_codes(
    client, district_user, places, declare, make_person
):
    duc = declare(
        places.commune,
        person=make_person(
            places.commune, "Nguyễn Văn Đức", id_number="046090001234", phone="0905111222"
        ),
    )
    other = declare(places.commune, "Trần Thị Mai")
    client.force_login(district_user)

    def pks(q):
        return set(shown(client.get(LIST, {"q": q})))

    assert pks("nguyen van duc") == {duc.pk}
    assert pks("DUC") == {duc.pk}
    assert pks("046 090 001 234") == {duc.pk}
    assert pks("+84 905 111 222") == {duc.pk}
    assert pks(other.code.lower()) == {other.pk}
    assert pks("nobody") == set()


def test_the_declared_today_and_channel_tabs(client, district_user, places, declare):
    declare(places.commune, channel=Channel.PAPER)
    declare(places.commune, channel=Channel.PAPER, days_ago=1)
    declare(places.commune, channel=Channel.WEB)
    client.force_login(district_user)
    response = client.get(LIST)
    tabs = {tab[3]: tab for tab in response.context["channel_tabs"]}
    assert tabs["channel-paper"][4] == 2
    assert tabs["channel-web"][4] == 1
    assert tabs["channel-all"][4] == 3
    [today_tab] = [t for t in response.context["period_tabs"] if t[3] == "period-today"]
    response = client.get(LIST + today_tab[1])
    assert response.context["total"] == 2
    assert [t[2] for t in response.context["period_tabs"]] == [False, True]
    # The channel counts follow the other filters.
    tabs = {tab[3]: tab for tab in response.context["channel_tabs"]}
    assert tabs["channel-paper"][4] == 1


def test_identities_are_masked(client, district_user, places, declare, make_person):
    person = make_person(places.commune, "Lê Văn Ẩn", id_number="046123456789", phone="0912345678")
    declare(places.commune, person=person)
    client.force_login(district_user)
    body = client.get(LIST).content.decode()
    assert "046123456789" not in body and "0912345678" not in body
    assert person.masked_id_number in body and person.masked_phone in body


def test_the_list_is_paginated_by_50_in_a_bounded_number_of_queries(
    client, district_user, places, declare, django_assert_max_num_queries
):
    for n in range(60):
        declare(places.commune if n % 2 else places.neighbour, days_ago=n % 7)
    client.force_login(district_user)
    # 12: the session, the account, its second-factor device (looked up on every
    # request, so that enrolling elsewhere holds this session back too), the
    # page's own queries (its count: a capped count, then the channels' counts
    # when under the cap; its page: the ids, then the rows).
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 50
    assert response.context["total"] == 60
    # Keyset pages: the next page starts after the last row shown.
    second = client.get(LIST + response.context["pager"]["next"])
    assert len(second.context["page"].object_list) == 10


def test_accounts_without_a_staff_task_may_not_list(client, make_user, places):
    guesthouse = make_user("hotel.pn", places.commune, tasks=[Task.ESTABLISHMENT])
    client.force_login(guesthouse)
    assert client.get(LIST).status_code == 403
