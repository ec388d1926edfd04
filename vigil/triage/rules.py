"""Writes to the risk rules and epidemic areas (R-M1), for the pages and the API.

Each change is one transaction: the row, its audit row and the re-evaluation
job it starts (`services.start_reevaluation`), so that a change never lands
without its record nor its re-evaluation. The callers check who may edit
(`vigil.core.permissions.EDIT_RULES`) and turn the input into values with their own
messages; these functions refuse a value the rules cannot hold all the same.

`request` (optional) is what the audit row takes its address from; `via`
("api") is written into the audit detail of the changes made through the API.

The database triggers of vigil/triage/stamp.py give every write here a new
reference stamp, so the per-process rulesets (engine.current_ruleset) load the
change at their next declaration; `refcache.recheck()` makes this request read
the stamp again too.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log
from vigil.core import refcache

from . import services
from .engine import FACTS
from .models import EpidemicArea, RiskRule

RULE_FIELDS = ("label", "facts", "weight", "min_level", "active")
LEVELS = (0, 1, 2, 3)


def _who(actor, request):
    return request if request is not None else actor


def _with_via(detail, via):
    return {**detail, "via": via} if via else detail


# Rules ---------------------------------------------------------------------------


def check_rule(values):
    """Refuse values a rule cannot hold (the callers' forms say it first)."""
    errors = {}
    if not " ".join(str(values.get("label") or "").split()):
        errors["label"] = [_("Enter the label shown to staff.")]
    facts = values.get("facts") or []
    if not facts:
        errors["facts"] = [_("Choose at least one fact.")]
    elif any(f not in FACTS for f in facts):
        errors["facts"] = [
            _("%(value)s is not a fact the risk engine knows.") % {"value": f}
            for f in facts
            if f not in FACTS
        ]
    weight = values.get("weight")
    if not isinstance(weight, int) or weight < 0:
        errors["weight"] = [_("The weight cannot be negative.")]
    if values.get("min_level") not in LEVELS:
        errors["min_level"] = [
            _("Select a valid choice. That choice is not one of the available choices.")
        ]
    if errors:
        raise ValidationError(errors)


def _rule_detail(rule):
    return {
        "facts": rule.facts,
        "weight": rule.weight,
        "min_level": rule.min_level,
        "active": rule.active,
    }


def toggle_rule(actor, rule, *, request=None):
    """Stop applying an active rule, or apply an inactive one again."""
    with transaction.atomic():
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        rule.active = not rule.active
        rule.save(update_fields=["active", "updated_at"])
        log(_who(actor, request), Action.CHANGE, rule, detail={"active": rule.active})
        job = services.start_reevaluation(actor)
    refcache.recheck()
    return rule, job


def save_rule(actor, rule, data, *, request=None, via=None):
    """Add a rule (`rule` None) or change one; returns (rule, job).

    `data` holds the RULE_FIELDS. A change that changes nothing writes nothing
    and starts no job (job None).
    """
    values = {name: data[name] for name in RULE_FIELDS if name in data}
    values.setdefault("active", True)
    check_rule(values)
    who = _who(actor, request)
    with transaction.atomic():
        if rule is None:
            rule = RiskRule.objects.create(**values)
            log(who, Action.CREATE, rule, detail=_with_via(_rule_detail(rule), via))
            refcache.recheck()
            return rule, services.start_reevaluation(actor)
        rule = RiskRule.objects.select_for_update().get(pk=rule.pk)
        changed = {k: v for k, v in values.items() if getattr(rule, k) != v}
        if not changed:
            return rule, None
        for field, value in changed.items():
            setattr(rule, field, value)
        rule.save()
        detail = _with_via(_rule_detail(rule), via)
        if via:
            detail["changed"] = list(changed)
        log(who, Action.CHANGE, rule, detail=detail)
        refcache.recheck()
        return rule, services.start_reevaluation(actor)


# Epidemic areas ------------------------------------------------------------------


def area_detail(area):
    return {
        "unit": area.unit.code,
        "unit_name": area.unit.name,
        "start": area.start.isoformat(),
        "end": area.end.isoformat() if area.end else None,
    }


def _check_dates(start, end, message=None):
    if start is None:
        raise ValidationError({"start": [_("This field is required.")]})
    if end is not None and end < start:
        raise ValidationError({"end": [message or _("The end date is before the start date.")]})


def add_epidemic_area(actor, data, *, request=None, via=None):
    """List a place as an epidemic area from `start` until `end` (None: still
    going); `data` holds unit, start, end and note. Returns (area, job)."""
    unit, start, end = data.get("unit"), data.get("start"), data.get("end")
    if unit is None:
        raise ValidationError({"unit": [_("This field is required.")]})
    _check_dates(start, end)
    with transaction.atomic():
        area = EpidemicArea.objects.create(
            unit=unit, start=start, end=end, note=data.get("note") or "", created_by=actor
        )
        log(_who(actor, request), Action.CREATE, area, detail=_with_via(area_detail(area), via))
        job = services.start_reevaluation(actor)
    refcache.recheck()
    return area, job


def end_epidemic_area(actor, area, end, *, request=None):
    """End an epidemic area on `end`; returns (area, job)."""
    message = _("The end date is before the start date (%(start)s).") % {
        "start": area.start.strftime("%d/%m/%Y")
    }
    if end is None:
        raise ValidationError({"end": [_("This field is required.")]})
    _check_dates(area.start, end, message)
    with transaction.atomic():
        area.end = end
        area.save(update_fields=["end"])
        log(_who(actor, request), Action.CHANGE, area, detail=area_detail(area))
        job = services.start_reevaluation(actor)
    refcache.recheck()
    return area, job


def delete_epidemic_area(actor, area, *, request=None):
    """Remove an area listed by mistake; returns the job."""
    with transaction.atomic():
        log(_who(actor, request), Action.DELETE, area, detail=area_detail(area))
        area.delete()
        job = services.start_reevaluation(actor)
    refcache.recheck()
    return job
