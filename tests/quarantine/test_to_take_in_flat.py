"""The "to take in" list at a flat cost (issue #15): one read of the ids is the
count and the pages; a full page costs the queries of a short one."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..scope.samples import make_declaration

PAGE = "/quarantine/to-take-in/"


def test_a_full_page_costs_the_queries_of_a_short_one(
    client, sent, make_person, places, cdc_hue, decide
):
    client.force_login(cdc_hue)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    for n in range(55):
        decide(
            make_declaration(make_person(places.neighbour, f"Người {n}"), places.neighbour), cdc_hue
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE)
    assert response.context["total"] == 56 and not response.context["capped"]
    assert len(response.context["page"]) == 50
    assert len(many.captured_queries) <= len(few.captured_queries)
    body = response.content.decode()
    row = body[body.index(f'id="declaration-{sent.pk}"') :]
    row = row[: row.index("</tr>")]
    assert sent.person.full_name in row and sent.person.masked_id_number in row
    assert f"{places.commune.name}, {places.district.name}" in row
    assert f'href="/quarantine/intake/?declaration={sent.pk}"' in row
