"""The citizens' submit path (issue #15): a bounded number of SQL statements per
declaration, and per-process caches of the reference data and risk rules that
a change made anywhere reaches at the next declaration."""

import datetime

from django.db import connection
from django.utils import timezone

from vigil.areas.models import AdminUnit
from vigil.declarations.models import Declaration
from vigil.triage import rules
from vigil.triage.models import RiskRule

from .test_declarations_api import BASE, body, post, sign_in

# Token check: none (signed). Stamp, BEGIN, person match, person insert,
# declaration insert, audit insert, COMMIT (savepoints inside a test's transaction).
MAX_STATEMENTS = 8
YESTERDAY = timezone.localdate() - datetime.timedelta(days=1)


def declare(client, token, places, **changes):
    response = post(client, BASE, body(places, **changes), token)
    assert response.status_code == 201, response.content
    return Declaration.objects.get(code=response.json()["code"])


def test_a_declaration_costs_at_most_eight_statements_new_or_returning(
    client, db, places, django_assert_max_num_queries
):
    token = sign_in(client)
    # The first declaration of the process loads its reference caches.
    declare(client, token, places, full_name="Lê Văn Tâm", id_number="046190009999")
    with django_assert_max_num_queries(MAX_STATEMENTS):
        response = post(client, BASE, body(places), token)
    assert response.status_code == 201, response.content
    with django_assert_max_num_queries(MAX_STATEMENTS):
        again = post(client, BASE, body(places), token)
    assert again.status_code == 201, again.content
    first, second = (Declaration.objects.get(code=r.json()["code"]) for r in (response, again))
    assert first.person_id == second.person_id
    # Returning with a blank of the record filled in, and a phone that differs
    # from the record (the commune's flag): still within the bound.
    with django_assert_max_num_queries(MAX_STATEMENTS):
        third = post(client, BASE, body(places, occupation="Kỹ sư", phone="0914000111"), token)
    assert third.status_code == 201, third.content
    third = Declaration.objects.get(code=third.json()["code"])
    assert third.person_id == first.person_id and third.person.occupation == "Kỹ sư"
    assert third.identity_conflict
    assert Declaration.objects.count() == 4


def test_an_idempotent_replay_is_answered_from_the_first_declaration(client, db, places):
    token = sign_in(client)
    key = {"HTTP_IDEMPOTENCY_KEY": "c1b2a3"}
    first = post(client, BASE, body(places), token, **key)
    # The retry changes the identity: still the first declaration, nothing new.
    again = post(client, BASE, body(places, full_name="Lê Văn Tâm"), token, **key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Declaration.objects.count() == 1
    assert Declaration.objects.get().person.full_name == "Trần Thị Hoa"


def test_a_rule_changed_through_its_service_applies_to_the_next_declaration(
    client, db, places, make_user
):
    token = sign_in(client)
    assert declare(client, token, places).risk_level < 3  # the ruleset is now cached
    editor = make_user("cdc.tinh", places.province)
    rules.save_rule(
        editor,
        None,
        {"label": "Ho (thử)", "facts": ["sym_cough"], "weight": 1, "min_level": 3},
    )
    after = declare(client, token, places)
    assert after.risk_level == 3
    assert "Ho (thử)" in after.risk_reasons


def test_a_rule_written_past_the_services_applies_too(client, db, places):
    """Another process, a bulk update or the admin: the database stamp says so."""
    token = sign_in(client)
    rule = RiskRule.objects.create(label="Ho (thử)", facts=["sym_cough"], weight=0, min_level=3)
    assert declare(client, token, places).risk_level == 3
    RiskRule.objects.filter(pk=rule.pk).update(active=False)
    assert "Ho (thử)" not in declare(client, token, places).risk_reasons


def test_an_epidemic_area_applies_to_the_next_declaration(client, db, places, make_user):
    token = sign_in(client)
    hanoi = AdminUnit.objects.active_tree().get(code="01")
    before = declare(client, token, places)
    assert "epidemic_area" not in str(before.risk_reasons)
    assert not any("vùng dịch (danh mục CDC)" in r for r in before.risk_reasons)
    editor = make_user("cdc.tinh", places.province)
    rules.add_epidemic_area(editor, {"unit": hanoi, "start": YESTERDAY - datetime.timedelta(1)})
    after = declare(client, token, places)
    assert any("vùng dịch (danh mục CDC)" in r for r in after.risk_reasons)


def test_a_renamed_unit_is_read_again(client, db, places):
    token = sign_in(client)
    declare(client, token, places)
    AdminUnit.objects.filter(pk=places.commune.pk).update(name="Phường Phú Nhuận (mới)")
    response = post(client, BASE, body(places), token)
    assert response.json()["area_name"] == "Phường Phú Nhuận (mới)"


def test_the_stamp_changes_on_every_write(db, places):
    def stamp():
        with connection.cursor() as cursor:
            cursor.execute("SELECT version FROM triage_referencestamp WHERE id = 1")
            return cursor.fetchone()[0]

    first = stamp()
    RiskRule.objects.create(label="x", facts=["sym_cough"], weight=1, min_level=0)
    second = stamp()
    AdminUnit.objects.filter(pk=places.commune.pk).update(short_name="Phú Nhuận")
    assert len({first, second, stamp()}) == 3
