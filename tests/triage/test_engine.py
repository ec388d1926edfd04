import datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.declarations import questions
from vigil.declarations.models import MedicalState
from vigil.triage.engine import FACT_PROVIDERS, Ruleset
from vigil.triage.models import EpidemicArea, RiskBand, RiskRule

ARRIVAL = datetime.date(2021, 8, 1)


def fake(answers=(), departure=None, birth_year=1990, pk=None):
    values = {key: key in answers for key in questions.KEYS}
    return SimpleNamespace(
        pk=pk,
        arrival_date=ARRIVAL,
        departure_unit=departure,
        person=SimpleNamespace(birth_year=birth_year),
        medical_state=MedicalState.NOT_FLAGGED,
        **values,
    )


def ruleset(epidemic=()):
    bands = [SimpleNamespace(level=lv, colour=c, min_score=s) for lv, c, s in
             [(0, "green", 0), (1, "yellow", 10), (2, "orange", 30), (3, "red", 60)]]  # fmt: skip
    rules = list(RiskRule.objects.filter(active=True))
    return Ruleset(rules, bands, epidemic)


@pytest.fixture
def rules(db):
    # The default rules of migration triage.0002.
    assert RiskRule.objects.count() >= 10
    return ruleset()


def test_nothing_declared_is_green(rules):
    result = rules.evaluate(fake())
    assert (result.level, result.colour, result.reasons) == (0, "green", [])


def test_fever_and_a_listed_epidemic_area_is_red_with_its_label(db, places):
    area = EpidemicArea(unit=places.far, start=ARRIVAL - datetime.timedelta(10), end=None)
    area.unit_path = places.far.path
    result = ruleset([area]).evaluate(fake({"sym_fever"}, departure=places.far))
    assert result.colour == "red"
    assert "Sốt + về từ vùng dịch" in result.reasons


def test_an_epidemic_area_counts_only_inside_its_dates(db, places):
    area = SimpleNamespace(
        unit_path=places.far.path, start=ARRIVAL + datetime.timedelta(1), end=None
    )
    assert "epidemic_area" not in ruleset([area]).facts(fake(departure=places.far))
    area.start, area.end = ARRIVAL - datetime.timedelta(30), ARRIVAL - datetime.timedelta(1)
    assert "epidemic_area" not in ruleset([area]).facts(fake(departure=places.far))
    area.end = ARRIVAL
    assert "epidemic_area" in ruleset([area]).facts(fake(departure=places.far))


def test_age_facts(rules):
    assert "age_65_plus" in rules.facts(fake(birth_year=1950))
    assert "age_under_5" in rules.facts(fake(birth_year=2019))


def test_a_registered_provider_feeds_the_outbreak_fact(rules, monkeypatch):
    monkeypatch.setitem(FACT_PROVIDERS, "outbreak_visit", lambda decls: {d.pk for d in decls})
    from vigil.triage.engine import provided_facts

    declaration = fake(pk=7)
    extra = provided_facts([declaration])[7]
    assert rules.evaluate(declaration, extra).level >= 2


def test_rules_are_data_a_new_rule_changes_the_result(db):
    assert ruleset().evaluate(fake({"sym_fatigue"})).level == 0
    RiskRule.objects.create(label="Mệt mỏi + ho", facts=["sym_fatigue"], weight=0, min_level=3)
    assert ruleset().evaluate(fake({"sym_fatigue"})).colour == "red"


SYMPTOMS = [k for k, _ in questions.SYMPTOMS]


@settings(max_examples=200, deadline=None)
@given(
    answers=st.sets(st.sampled_from(questions.KEYS)),
    extra=st.sampled_from(SYMPTOMS),
    birth_year=st.integers(1920, 2021),
)
def test_adding_a_symptom_never_lowers_the_risk(django_db_blocker, answers, extra, birth_year):
    with django_db_blocker.unblock():
        rs = ruleset()
    before = rs.evaluate(fake(answers, birth_year=birth_year))
    after = rs.evaluate(fake(answers | {extra}, birth_year=birth_year))
    assert after.level >= before.level
    assert after.score >= before.score


def test_bands_come_from_the_database(db):
    RiskBand.objects.filter(level=1).update(min_score=1)
    rs = Ruleset.load()
    assert rs.evaluate(fake({"sym_fatigue"})).colour == "yellow"
