"""The writes to the risk rules and epidemic areas (vigil/triage/rules.py),
called directly: each one writes its row, its audit row and starts the
re-evaluation in one transaction, and refuses a value the rules cannot hold.

Also: the rules and areas pages and API handlers write nothing themselves, and
who may edit the rules is defined once."""

import ast
import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.core.permissions import CAPABILITIES, EDIT_RULES
from vigil.jobs.models import Job
from vigil.triage import rules, services
from vigil.triage.models import EpidemicArea, RiskRule

ROOT = Path(__file__).resolve().parents[2]
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
RULE = {"label": "Fever", "facts": ["sym_fever"], "weight": 10, "min_level": 1, "active": True}


@pytest.fixture
def editor(make_user, places):
    return make_user("cdc.tinh", places.province, tasks=[Task.CDC])


def audit(model, action):
    return AuditEvent.objects.filter(object_type=f"triage.{model}", action=action)


def jobs(user):
    return Job.objects.filter(kind="reevaluate_risk", created_by=user)


# Rules ---------------------------------------------------------------------------


def test_saving_a_new_rule_writes_it_with_its_audit_row_and_starts_a_job(editor):
    rule, job = rules.save_rule(editor, None, RULE)
    assert RiskRule.objects.get(pk=rule.pk).facts == ["sym_fever"]
    event = audit("riskrule", "create").get(object_id=str(rule.pk))
    assert event.actor == editor
    assert event.detail == {"facts": ["sym_fever"], "weight": 10, "min_level": 1, "active": True}
    assert jobs(editor).get(pk=job.pk).state == Job.State.DONE  # tests run jobs inline


def test_a_change_through_the_api_names_the_changed_fields(editor):
    rule, _job = rules.save_rule(editor, None, RULE)
    rule, job = rules.save_rule(editor, rule, {**RULE, "weight": 30}, via="api")
    assert RiskRule.objects.get(pk=rule.pk).weight == 30
    detail = audit("riskrule", "change").get().detail
    assert detail["via"] == "api" and detail["changed"] == ["weight"]
    assert jobs(editor).count() == 2 and job is not None


def test_a_change_that_changes_nothing_writes_nothing_and_starts_no_job(editor):
    rule, _job = rules.save_rule(editor, None, RULE)
    _rule, job = rules.save_rule(editor, rule, dict(RULE))
    assert job is None
    assert not audit("riskrule", "change").exists()
    assert jobs(editor).count() == 1


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"facts": ["sym_fever", "no_such_fact"]}, "facts"),
        ({"facts": []}, "facts"),
        ({"weight": -1}, "weight"),
        ({"min_level": 7}, "min_level"),
        ({"label": "   "}, "label"),
    ],
)
def test_it_refuses_a_rule_value_the_engine_cannot_hold(editor, bad, field):
    before = RiskRule.objects.count()  # the seeded rules
    with pytest.raises(ValidationError) as refused:
        rules.save_rule(editor, None, {**RULE, **bad})
    assert field in refused.value.message_dict
    assert RiskRule.objects.count() == before
    assert not AuditEvent.objects.filter(object_type="triage.riskrule").exists()
    assert not jobs(editor).exists()


def test_it_refuses_a_bad_value_on_an_existing_rule_and_keeps_it(editor):
    rule, _job = rules.save_rule(editor, None, RULE)
    with pytest.raises(ValidationError):
        rules.save_rule(editor, rule, {**RULE, "weight": -5})
    assert RiskRule.objects.get(pk=rule.pk).weight == 10
    assert jobs(editor).count() == 1


def test_toggling_a_rule_writes_its_audit_row_and_starts_a_job(editor):
    rule = RiskRule.objects.create(**RULE)
    toggled, job = rules.toggle_rule(editor, rule)
    assert toggled.active is False and RiskRule.objects.get(pk=rule.pk).active is False
    assert audit("riskrule", "change").get().detail == {"active": False}
    assert job == jobs(editor).get()
    rules.toggle_rule(editor, toggled)
    assert RiskRule.objects.get(pk=rule.pk).active is True


def test_nothing_is_written_when_the_job_cannot_be_started(editor, monkeypatch):
    def broken(actor):
        raise RuntimeError("no job table")

    monkeypatch.setattr(services, "start_reevaluation", broken)
    RiskRule.objects.all().delete()  # the seeded rules
    rule = RiskRule.objects.create(**RULE)
    with pytest.raises(RuntimeError):
        rules.save_rule(editor, None, {**RULE, "label": "Cough"})
    with pytest.raises(RuntimeError):
        rules.toggle_rule(editor, rule)
    assert list(RiskRule.objects.values_list("label", "active")) == [("Fever", True)]
    assert not AuditEvent.objects.filter(object_type="triage.riskrule").exists()


# Epidemic areas ------------------------------------------------------------------


def test_adding_an_epidemic_area_writes_its_audit_row_and_starts_a_job(editor, places):
    data = {"unit": places.district, "start": TODAY - DAY, "end": None, "note": "ổ dịch"}
    area, job = rules.add_epidemic_area(editor, data, via="api")
    assert EpidemicArea.objects.get(pk=area.pk).created_by == editor
    assert audit("epidemicarea", "create").get().detail == {
        "unit": places.district.code,
        "unit_name": places.district.name,
        "start": (TODAY - DAY).isoformat(),
        "end": None,
        "via": "api",
    }
    assert job == jobs(editor).get()


def test_it_refuses_an_area_that_ends_before_it_starts(editor, places):
    data = {"unit": places.district, "start": TODAY, "end": TODAY - DAY}
    with pytest.raises(ValidationError) as refused:
        rules.add_epidemic_area(editor, data)
    assert "end" in refused.value.message_dict
    assert not EpidemicArea.objects.exists() and not jobs(editor).exists()


def test_ending_an_area_writes_its_audit_row_and_starts_a_job(editor, places):
    area, _job = rules.add_epidemic_area(editor, {"unit": places.commune, "start": TODAY - DAY})
    area, job = rules.end_epidemic_area(editor, area, TODAY)
    assert EpidemicArea.objects.get(pk=area.pk).end == TODAY
    assert audit("epidemicarea", "change").get().detail["end"] == TODAY.isoformat()
    assert jobs(editor).count() == 2


def test_it_refuses_an_end_before_the_area_started(editor, places):
    area, _job = rules.add_epidemic_area(editor, {"unit": places.commune, "start": TODAY})
    with pytest.raises(ValidationError) as refused:
        rules.end_epidemic_area(editor, area, TODAY - DAY)
    assert TODAY.strftime("%d/%m/%Y") in refused.value.message_dict["end"][0]
    assert EpidemicArea.objects.get(pk=area.pk).end is None
    assert not audit("epidemicarea", "change").exists() and jobs(editor).count() == 1


def test_deleting_an_area_writes_its_audit_row_and_starts_a_job(editor, places):
    area, _job = rules.add_epidemic_area(editor, {"unit": places.commune, "start": TODAY})
    rules.delete_epidemic_area(editor, area)
    assert not EpidemicArea.objects.exists()
    assert audit("epidemicarea", "delete").get().detail["unit"] == places.commune.code
    assert jobs(editor).count() == 2


def test_who_may_edit_rules_is_defined_once_in_the_registry():
    definitions = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "vigil").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "may_edit_rules"
    ]
    assert definitions == []
    rule = CAPABILITIES[EDIT_RULES]
    assert set(rule.tasks) == {Task.CDC, Task.ADMIN}
    assert rule.condition == "vigil.core.permissions.at_province"
