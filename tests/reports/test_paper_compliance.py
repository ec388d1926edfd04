"""Paper compliance per commune (§II.12): why paper was used, and how many days
passed between the date written on the paper form and its digitisation.

    #  commune     channel  reason         paper date  recorded (local)   delay
    1  Phú Nhuận   paper    no_network     01/08       01/08 09:30        0
    2  Phú Nhuận   paper    no_network     01/08       02/08 00:30        1  (31/07 17:30 UTC)
    3  Phú Nhuận   paper    other          30/07       02/08 09:00        3
    4  Phú Nhuận   paper    (none)         23/07       02/08 10:00        10
    5  Phú Nhuận   paper    (none)         (none)      02/08 11:00        -
    6  Phú Nhuận   web                                 01/08 08:00
    7  far         paper    elderly_child  01/08       04/08 09:00        3
    8  far         web                                 01/08 09:00
    9  far         web                                 02/08 09:00
   10  Vĩnh Ninh   web                                 01/08 09:00

Phú Nhuận: 5 paper of 6, reasons 2 no network, 1 other, 2 not recorded; the
median of 0, 1, 3 and 10 days is 2 and the longest is 10 (#4).
"""

import datetime
import html
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from vigil.declarations.models import Declaration
from vigil.reports import stats
from vigil.reports.stats.paper import REASONS, median

from .test_stats import LINK, list_total, page

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/reports/stats/paper/"


def at(month, day, hour, minute=0):
    return datetime.datetime(2021, month, day, hour, minute, tzinfo=LOCAL)


@pytest.fixture
def forms(places, make_person):
    rows = [
        (places.commune, "paper", "no_network", "", (8, 1), at(8, 1, 9, 30)),
        (places.commune, "paper", "no_network", "", (8, 1), at(8, 2, 0, 30)),
        (places.commune, "paper", "other", "Mất điện cả xã", (7, 30), at(8, 2, 9)),
        (places.commune, "paper", "", "", (7, 23), at(8, 2, 10)),
        (places.commune, "paper", "", "", None, at(8, 2, 11)),
        (places.commune, "web", "", "", None, at(8, 1, 8)),
        (places.far, "paper", "elderly_child", "", (8, 1), at(8, 4, 9)),
        (places.far, "web", "", "", None, at(8, 1, 9)),
        (places.far, "web", "", "", None, at(8, 2, 9)),
        (places.neighbour, "web", "", "", None, at(8, 1, 9)),
    ]
    made = []
    for n, (area, channel, reason, other, paper_day, when) in enumerate(rows, start=1):
        made.append(
            Declaration.objects.create(
                person=make_person(area, full_name=f"Người Giấy {n}"),
                registration_kind="return_home",
                departure_country_id="VN",
                area=area,
                address=f"{n} Lê Lợi",
                transport="car",
                arrival_date=when.date(),
                channel=channel,
                paper_form_number=f"GT-{n}" if channel == "paper" else "",
                paper_form_date=datetime.date(2021, *paper_day) if paper_day else None,
                paper_reason=reason,
                paper_reason_other=other,
                created_at=when,
            )
        )
    return made


def reasons(row):
    return {
        value: cell.value for (value, _label), (_l, cell) in zip(REASONS, row.reasons, strict=True)
    }


def test_the_median_is_percentile_conts(db):
    assert median({0: 1, 1: 1, 3: 1, 10: 1}) == 2.0
    assert median({3: 1}) == 3
    assert median({1: 2, 4: 1}) == 1
    assert median({1: 1, 2: 1, 7: 2}) == 4.5
    assert median({0: 5, 9: 5}) == 4.5


def test_each_commune_has_its_reasons_and_its_delays(leader, places, forms):
    user = leader(places.province)
    hue, far = stats.paper_ranking(user, {}, details=True)
    assert (hue.unit, hue.paper.value, hue.total.value) == (places.commune, 5, 6)
    assert reasons(hue) == {
        "no_smartphone": 0,
        "elderly_child": 0,
        "no_network": 2,
        "checkpoint": 0,
        "other": 1,
        "-": 2,
    }
    # 0, 1 (recorded after local midnight, the day before in UTC), 3 and 10
    # days; the form without a date counts in no delay.
    assert (hue.delay.forms.value, hue.delay.median, hue.delay.worst) == (4, 2.0, 10)
    assert hue.delay.worst_url == f"/declarations/{forms[3].pk}/"
    assert far.unit == places.far and reasons(far)["elderly_child"] == 1
    assert (far.delay.forms.value, far.delay.median, far.delay.worst) == (1, 3, 3)
    assert far.delay.worst_url == f"/declarations/{forms[6].pk}/"
    # The dashboard's top ten carries none of it.
    assert stats.paper_ranking(user, {}, limit=10)[0].reasons == []


def test_the_page_filters_apply_to_the_reasons_and_the_delays(leader, places, forms):
    user = leader(places.province)
    # Declared on 01/08 (local days): #1 and #6 in Phú Nhuận, #8 far.
    query = {"date_from": "01/08/2021", "date_to": "01/08/2021"}
    (hue,) = stats.paper_ranking(user, query, details=True)
    assert reasons(hue)["no_network"] == 1 and reasons(hue)["-"] == 0
    assert (hue.delay.median, hue.delay.worst) == (0, 0)
    # A district leader of Huế: Phú Nhuận only.
    district = leader(places.district, "d")
    assert [r.unit for r in stats.paper_ranking(district, {}, details=True)] == [places.commune]


def test_every_number_of_the_page_opens_the_forms_behind_it(client, leader, places, forms):
    leader(places.province)
    body = page(client, URL)
    table = body.split('id="paper-compliance"', 1)[1].split("</table>", 1)[0]
    row = re.search(rf'<tr data-key="{places.commune.pk}">.*?</tr>', table, re.S).group(0)
    numbers = [(html.unescape(url), int(n)) for url, n in LINK.findall(row)]
    # The paper forms, then the reasons that have forms (zeros are not links).
    assert [n for _url, n in numbers] == [5, 2, 1, 2]
    for url, n in numbers:
        assert "channel=paper" in url
        assert list_total(page(client, url)) == n
    not_recorded = page(client, numbers[-1][0])
    assert "Người Giấy 4" in not_recorded and "Người Giấy 5" in not_recorded
    assert "Người Giấy 1" not in not_recorded and "Người Giấy 6" not in not_recorded
    # The list shows the reason it is filtered by, so that it can be removed.
    assert re.search(r'<select name="paper_reason"[^>]*>', not_recorded)
    median_cell = re.search(r'class="text-end median" data-days="([^"]+)"><a href="([^"]+)"', row)
    assert float(median_cell.group(1)) == 2.0
    assert list_total(page(client, html.unescape(median_cell.group(2)))) == 5
    worst = re.search(r'class="text-end worst" data-days="(\d+)"><a href="([^"]+)"', row)
    assert worst.groups() == ("10", f"/declarations/{forms[3].pk}/")
    assert client.get(worst.group(2)).status_code == 200


def test_the_page_reads_in_vietnamese(client, leader, places, forms, settings):
    leader(places.province)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"
    body = page(client, URL)
    assert "Lý do khai báo giấy và độ trễ số hóa" in body
    assert "Không có mạng" in body and "Chưa ghi nhận" in body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's")
def test_the_median_agrees_with_postgresql(leader, places, forms):
    user = leader(places.province)
    rows = stats.paper_ranking(user, {}, details=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY "
            "(created_at AT TIME ZONE %s)::date - paper_form_date), "
            "max((created_at AT TIME ZONE %s)::date - paper_form_date) "
            "FROM declarations_declaration WHERE channel = 'paper' "
            "AND paper_form_date IS NOT NULL GROUP BY area_id",
            [timezone.get_current_timezone_name()] * 2,
        )
        expected = {area: (float(m), worst) for area, m, worst in cursor.fetchall()}
    assert {r.unit.pk: (r.delay.median, r.delay.worst) for r in rows} == expected
