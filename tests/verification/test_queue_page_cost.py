"""What a verification queue page costs (issue #15): its queries do not grow
with its rows, the five tab counts are one statement, a keyword's declarations
are read once for every tab and the page, and the rows, built without model
instances, show what the template showed from them."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from vigil.accounts.models import Task
from vigil.declarations.models import (
    Channel,
    Declaration,
    DeclarationEvent,
    RegistrationKind,
    RiskColour,
    VerificationState,
)
from vigil.verification import queues

QUEUE = "/verification/"
TABS = ("/verification/", "/verification/students/", "/verification/medical/")
MORE_TABS = ("/verification/failed/", "/verification/amended/")
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
            # Two declarations share each instant: the id breaks the tie.
            "created_at": timezone.now() - datetime.timedelta(minutes=n // 2),
            "channel": Channel.WEB,
        }
        fields.update(extra)
        return Declaration.objects.create(person=make_person(area, full_name), area=area, **fields)

    return make


@pytest.fixture
def district_clerk(make_user, places):
    return make_user("digit.hue", places.district, tasks=[Task.DIGITISATION])


def shown(response):
    return [d.pk for d in response.context["page"]]


def tabs(response):
    return {key: (n, capped) for key, _t, _u, n, capped, _a in response.context["tabs"]}


def declaration_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_queries_do_not_grow_with_the_rows(client, district_clerk, places, declare):
    for _n in range(3):
        declare(places.commune, transferred_from=places.neighbour)
    client.force_login(district_clerk)
    client.get(QUEUE)  # the per-process caches
    _response, few = declaration_queries(client, QUEUE)
    for n in range(55):
        declare(places.neighbour if n % 2 else places.commune, amended_after_decision=n % 3 == 0)
    response, many = declaration_queries(client, QUEUE)
    assert len(shown(response)) == 50
    assert len(many) == len(few) <= 10
    # The five tab counts: one statement.
    counts = [sql for sql in many if "COUNT(" in sql and "declarations_declaration" in sql]
    assert len(counts) == 1 and counts[0].count("COUNT(") == 5


def test_the_rows_show_what_the_declarations_hold(client, district_clerk, places, declare):
    moved = declare(
        places.commune,
        "Trần Thị <Bích>",
        risk_colour=RiskColour.RED,
        transferred_from=places.neighbour,
        amended_after_decision=True,
        channel=Channel.APP,
        registration_kind="medical",
    )
    failed = declare(places.neighbour, verification_state=VerificationState.FAILED)
    DeclarationEvent.objects.create(
        declaration=failed, action="verify_failed", note="Vắng <nhà>", to_state="failed"
    )
    client.force_login(district_clerk)
    body = client.get(QUEUE).content.decode()
    row = re.search(rf'<tr id="declaration-{moved.pk}">(.*?)</tr>', body, re.S).group(1)
    assert f'href="/declarations/{moved.pk}/" class="secret">{moved.code}</a>' in row
    assert f'href="/declarations/{moved.pk}/#history">' in row and "amended-mark" in row
    assert "Trần Thị &lt;Bích&gt;" in row
    assert moved.person.masked_id_number in row and moved.person.masked_phone in row
    assert f'{places.commune.name}<div class="small text-muted district">' in row
    assert f">{places.district.name}</div>" in row
    assert f"<td>{moved.arrival_date:%d/%m/%Y}</td>" in row
    assert f"<td>{date_format(timezone.localtime(moved.created_at), 'd/m/Y H:i')}</td>" in row
    with translation.override(settings.LANGUAGE_CODE):  # the pages' language
        transferred = _("Transferred from %(area)s") % {"area": places.neighbour.name}
        assert f'<div class="small text-muted transferred-from">{transferred}</div>' in row
        assert f"<td>{RegistrationKind.MEDICAL.label}</td>" in row
        assert f"<td>{Channel.APP.label}</td>" in row
        assert f'<span class="badge risk-red">{RiskColour.RED.label}</span>' in row
    assert f'href="/verification/{moved.pk}/" id="verify-{moved.pk}"' in row

    body = client.get("/verification/failed/").content.decode()
    row = re.search(rf'<tr id="declaration-{failed.pk}">(.*?)</tr>', body, re.S).group(1)
    assert "<td>Vắng &lt;nhà&gt;</td>" in row and f'id="open-{failed.pk}"' in row


@pytest.fixture
def keyword_queues(declare, places):
    """Declarations of one name in every queue, and others."""
    for n in range(7):
        declare(places.commune, "Trần Thị Bích", registration_kind="student")
        declare(places.neighbour, "Trần Thị Bích", risk_colour=RiskColour.RED)
        declare(places.commune, "Trần Thị Bích", registration_kind="medical")
        declare(places.commune, "Trần Thị Bích", verification_state=VerificationState.FAILED)
        declare(
            places.neighbour,
            "Trần Thị Bích",
            verification_state=VerificationState.RETURNED,
            amended_after_decision=n % 2 == 0,
        )
        declare(places.far, "Trần Thị Bích")  # outside the district
        declare(places.commune, "Lê Văn Khác")


@pytest.mark.parametrize(
    "params",
    [
        {"q": "Trần Thị Bích"},
        {"q": "tran bich", "sort": "newest"},
        {"q": "Trần Thị Bích", "colour": "red"},
        {"q": "Trần Thị Bích", "page": 2},
        {"q": "Không Ai"},
    ],
)
def test_a_keyword_reads_its_declarations_once(
    client, district_clerk, keyword_queues, params, monkeypatch, settings
):
    settings.VIGIL_LIST_COUNT_CAP = 6
    monkeypatch.setattr("vigil.verification.views.arrivals.PAGE_SIZE", 3)
    client.force_login(district_clerk)
    once = {}
    for url in TABS + MORE_TABS:
        response, sql = declaration_queries(client, url, params)
        once[url] = (tabs(response), shown(response), response.context["total"])
        assert not [s for s in sql if "COUNT(" in s and "declarations_declaration" in s]
    # Counted and paged in SQL, as without a keyword: the same tabs and pages.
    monkeypatch.setattr(queues, "KEYWORD_ROWS", 0)
    for url in TABS + MORE_TABS:
        response, sql = declaration_queries(client, url, params)
        counted = [s for s in sql if "COUNT(" in s and "declarations_declaration" in s]
        assert counted or params["q"] == "Không Ai"  # nobody: nothing to count
        assert once[url] == (tabs(response), shown(response), response.context["total"]), url
    if params["q"] == "Trần Thị Bích" and "colour" not in params:
        assert once[QUEUE][0]["pending"] == (6, True)
        assert once[QUEUE][0]["students"] == (6, True)
        assert once[QUEUE][0]["amended"] == (4, False)
