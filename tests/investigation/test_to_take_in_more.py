# ruff: noqa: F811  (fixtures imported from test_to_take_in_cases)
"""The "sent by case tracing" table of the to-take-in list says when more
people wait than it shows (issue #16: no silent limit)."""

from vigil.investigation.models import CaseKind
from vigil.quarantine.views import worklist

from .test_to_take_in_cases import kcl, manager, send  # noqa: F401  (fixtures)


def test_the_sent_table_says_when_more_are_waiting(
    client,
    make_case,
    cdc,
    kcl,
    manager,
    monkeypatch,
):
    f0 = make_case(CaseKind.CONFIRMED)
    for _n in range(3):
        send(make_case(sources=[(f0, None)]), kcl, cdc)
    client.force_login(manager)
    monkeypatch.setattr(worklist, "PAGE_SIZE", 2)
    response = client.get("/quarantine/to-take-in/")
    assert len(response.context["sent"]) == 2 and response.context["sent_more"]
    assert 'id="sent-more"' in response.content.decode()
    monkeypatch.setattr(worklist, "PAGE_SIZE", 3)
    response = client.get("/quarantine/to-take-in/")
    assert len(response.context["sent"]) == 3 and not response.context["sent_more"]
    assert 'id="sent-more"' not in response.content.decode()
