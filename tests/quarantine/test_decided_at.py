"""The time of CDC's decision is kept on the declaration (`decided_at`), set
by the transition path with the decision's event: the "to take in" list is
in its order, which an index holds (issue #15: a province's list read its
whole reach and sorted it by a per-row look-up of the events)."""

import importlib

import pytest
from django.db import connection

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration, MedicalState, Surveillance
from vigil.quarantine.worklists import to_take_in
from vigil.verification import services as verification

from ..scope.samples import make_declaration
from .conftest import TODAY

BACKFILL = importlib.import_module("vigil.declarations.migrations.0013_decided_at").BACKFILL


def _event_time(declaration, action):
    return declaration.events.filter(action=action).latest("at", "id").at


@pytest.fixture
def leader(make_user, places):
    return make_user("leader.phunhuan", places.commune, tasks=[Task.LEADER, Task.COMMUNITY])


def _override(declaration, leader, surveillance):
    return verification.verify_returned(
        declaration,
        actor=leader,
        version=declaration.version,
        surveillance=surveillance,
        start=TODAY,
        override_reason="Ban chỉ đạo quyết định lại",
    )


def test_cdcs_decision_is_kept_with_the_time_of_its_event(sent):
    assert sent.decided_at == _event_time(sent, "medical_verify")
    sent.refresh_from_db()
    assert sent.decided_at == _event_time(sent, "medical_verify")


def test_an_override_moves_the_time_and_keeping_the_decision_does_not(
    make_person, places, cdc_hue, decide, leader, make_user
):
    kept = decide(make_declaration(make_person(places.commune, "Giữ Nguyên"), places.commune),
                  cdc_hue)  # fmt: skip
    team = make_user("community.phunhuan", places.commune, tasks=[Task.COMMUNITY])
    done = verification.verify_returned(
        kept, actor=team, version=kept.version, surveillance=Surveillance.CONCENTRATED
    )
    assert done.decided_at == kept.decided_at
    replaced = decide(make_declaration(make_person(places.commune, "Đổi Lại"), places.commune),
                      cdc_hue, surveillance="home_quarantine")  # fmt: skip
    overridden = _override(replaced, leader, Surveillance.CONCENTRATED)
    assert overridden.decided_at == _event_time(overridden, "surveillance_override")
    assert overridden.decided_at > replaced.decided_at


def test_the_list_is_in_the_order_of_the_latest_decisions(
    make_person, places, cdc_hue, decide, leader
):
    first, late, middle = (
        make_declaration(make_person(places.commune, name), places.commune)
        for name in ("Một Trước", "Hai Sau", "Ba Giữa")
    )
    first = decide(first, cdc_hue)
    # Created and first decided before `middle`, sent to a facility after it.
    late = decide(late, cdc_hue, surveillance="home_quarantine")
    middle = decide(middle, cdc_hue)
    late = _override(late, leader, Surveillance.CONCENTRATED)
    assert list(to_take_in(cdc_hue)) == [first, middle, late]


def test_the_migration_gives_earlier_declarations_their_decision_time(
    sent, make_person, places, cdc_hue, decide, leader
):
    overridden = _override(
        decide(make_declaration(make_person(places.commune, "Cũ Đổi"), places.commune), cdc_hue,
               surveillance="home_quarantine"),
        leader,
        Surveillance.CONCENTRATED,
    )  # fmt: skip
    # Verified without a decision event (loaded from elsewhere): its creation.
    loaded = make_declaration(make_person(places.commune, "Nạp Vào"), places.commune)
    Declaration.objects.filter(pk=loaded.pk).update(
        medical_state=MedicalState.VERIFIED, surveillance=Surveillance.CONCENTRATED
    )
    undecided = make_declaration(make_person(places.commune, "Chưa Xét"), places.commune)
    Declaration.objects.update(decided_at=None)
    with connection.cursor() as cursor:
        cursor.execute(BACKFILL)
    found = dict(Declaration.objects.values_list("pk", "decided_at"))
    assert found[sent.pk] == _event_time(sent, "medical_verify")
    assert found[overridden.pk] == _event_time(overridden, "surveillance_override")
    assert found[loaded.pk] == loaded.created_at
    assert found[undecided.pk] is None
    assert list(to_take_in(cdc_hue)) == [sent, overridden, loaded]
