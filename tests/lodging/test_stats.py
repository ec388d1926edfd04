"""Guest statistics: guest-nights per area and kind, the share of guests with
a declaration, foreign guests by country, the drill-down, the dashboard card,
the API of the police view and of the statistics, and the police export."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import ApiToken, Task
from vigil.areas.models import Country
from vigil.lodging import stats
from vigil.lodging.models import GuestStay

from .test_police import stay, world  # noqa: F401  (the fixture)


def days_ago(n):
    return timezone.now() - datetime.timedelta(days=n)


@pytest.fixture
def leader(make_user, places):
    return make_user("leader.province", places.province, tasks=[Task.LEADER])


@pytest.fixture
def nights(places, make_person, establishment, far_establishment, reception):
    """Two guests at the hotel: one stayed 3 nights (5 to 2 days ago), one in
    house since 2 days ago (declared: no); a passport holder at the far one."""
    a = make_person(places.commune, full_name="Ba Đêm")
    stay(reception, establishment, a, at=days_ago(5), out=days_ago(2))
    b = make_person(places.commune, full_name="Đang Ở")
    stay(reception, establishment, b, declared=False, at=days_ago(2))
    c = make_person(places.far, full_name="John Smith", id_kind="passport", id_number="B1234567")
    GuestStay.objects.filter(pk=stay(reception, far_establishment, c, at=days_ago(1)).pk).update(
        nationality_id="GB"
    )


def test_guest_nights_and_share(nights, leader, places):
    start, end = stats.default_range()
    table = stats.guest_table(leader, places.province, start, end)
    # Ba Đêm: 3 nights; Đang Ở: 2 nights + tonight = 3; John: last night + tonight = 2.
    assert table.total.nights == 8
    assert table.total.arrivals == 3 and table.total.declared == 2
    assert table.total.share == 67
    hue = next(r for r in table.rows if r.key == places.district.pk)
    assert (hue.nights, hue.arrivals, hue.declared) == (6, 2, 1)
    kinds = {r.key: r for r in table.kinds}
    assert kinds["hotel"].nights == 6 and kinds["guest_house"].nights == 2
    commune = stats.guest_table(leader, places.commune, start, end)
    assert [r.name for r in commune.rows] == ["Khách sạn Hương Giang"]
    assert "establishment=" in commune.rows[0].url


def test_guests_per_night(nights, leader, places):
    today = timezone.localdate()
    series = dict(stats.per_night(leader, places.province, today - datetime.timedelta(6), today))
    assert series[today] == 2  # Đang Ở and John tonight
    assert series[today - datetime.timedelta(3)] == 1  # Ba Đêm only
    assert series[today - datetime.timedelta(6)] == 0
    total = sum(series.values())
    assert (
        total
        == stats.guest_table(
            leader, places.province, today - datetime.timedelta(6), today
        ).total.nights
    )


def test_foreign_guests_by_country(nights, leader, places):
    start, end = stats.default_range()
    ((name, n),) = stats.foreign_by_country(leader, places.province, start, end)
    assert n == 1 and name == Country.objects.get(code="GB").name
    assert stats.foreign_by_country(leader, places.district, start, end) == []


def test_the_page_and_its_drill_down(nights, leader, places, login):
    client = login(leader)
    html = client.get(reverse("lodging:stats")).content.decode()
    assert 'id="by-area"' in html and 'id="declared-share"' in html and "67%" in html
    drilled = client.get(reverse("lodging:stats"), {"unit": places.district.pk})
    assert drilled.status_code == 200 and "Phường Phú Nhuận" in drilled.content.decode()
    station = client.get(
        reverse("lodging:stats"), {"date_from": "2021-05-02", "date_to": "2021-05-01"}
    )
    assert station.status_code == 200 and 'id="by-area"' not in station.content.decode()


def test_stats_out_of_scope_is_404(nights, places, make_user, login):
    far = make_user("leader.far", places.far, tasks=[Task.LEADER])
    client = login(far)
    assert client.get(reverse("lodging:stats"), {"unit": places.commune.pk}).status_code == 404
    table = stats.guest_table(far, far.jurisdiction, *stats.default_range())
    assert table.total.arrivals == 1


def test_the_dashboard_card(nights, leader, login, places, make_user):
    html = login(leader).get(reverse("reports:dashboard")).content.decode()
    assert 'id="lodging-card"' in html
    cdc = make_user("cdc.card", places.province, tasks=[Task.CDC])
    assert 'id="lodging-card"' not in login(cdc).get(reverse("reports:dashboard")).content.decode()
    figures = stats.dashboard_figures(leader)
    assert figures["guests"] == 2 and figures["undeclared"] == 1


def test_the_api(world, nights, police, leader, reception, client, places):  # noqa: F811
    token = ApiToken.issue(police, "test")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get("/api/v1/lodging/police", **auth)
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    assert body["figures"]["undeclared"] == 2
    assert body["figures"]["twice"] == 2
    assert all(r["is_establishment"] for r in body["rows"])
    far = client.get(f"/api/v1/lodging/police?unit_id={places.far.pk}", **auth)
    assert far.status_code == 404
    desk = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(reception, 'desk')[1]}"}
    assert client.get("/api/v1/lodging/stats", **desk).status_code == 403
    assert client.get("/api/v1/lodging/police", **desk).status_code == 403
    token = ApiToken.issue(leader, "test")[1]
    body = json.loads(
        client.get("/api/v1/lodging/stats", HTTP_AUTHORIZATION=f"Bearer {token}").content
    )
    assert body["total"]["arrivals"] == GuestStay.objects.count()
    bad = client.get(
        "/api/v1/lodging/stats?date_from=2021-05-02&date_to=2021-05-01",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert bad.status_code == 422


def test_the_police_export(world, police, places):  # noqa: F811
    from django.http import QueryDict

    from vigil.reports.exports import REGISTRY

    spec = REGISTRY["lodging_police"]
    qs, filters = spec.build(police, QueryDict(""))
    rows = {e.name: e for e in qs}
    hotel = rows["Khách sạn Hương Giang"]
    assert (hotel.guests, hotel.undeclared, hotel.red, hotel.orange) == (3, 1, 1, 1)
    assert rows["Nhà nghỉ Vắng"].idle == "Có"
    assert "Nhà nghỉ Xa" not in rows
