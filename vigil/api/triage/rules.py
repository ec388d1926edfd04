"""The risk rules (R-M1): every staff user reads them, with the colour bands and
the facts a rule may use; CDC and the operations centre of the province add and
change them, which starts a re-evaluation (see `jobs`).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Path, Status

from vigil.api.common import (
    OPTIONAL_BODY,
    ErrorOut,
    choice,
    examples,
    invalid,
    read_body,
    required_error,
    response_example,
    text,
)
from vigil.api.triage import router
from vigil.api.triage.schemas import (
    EXAMPLE_RULE,
    EXAMPLE_RULE_IN,
    LABEL_MAX,
    LEVELS,
    WEIGHT_MAX,
    RuleChangeOut,
    RuleIn,
    RulesOut,
)
from vigil.core.permissions import EDIT_RULES, READ_RULES, api_requires, may
from vigil.declarations.models import RiskColour
from vigil.triage import rules as rule_writes
from vigil.triage.engine import FACTS
from vigil.triage.models import RiskBand, RiskRule


def _colours():
    return {band.level: band.colour for band in RiskBand.objects.all()}


def _rule_out(rule, colours):
    return {
        "id": rule.pk,
        "label": rule.label,
        "facts": list(rule.facts),
        "weight": rule.weight,
        "min_level": rule.min_level,
        "min_colour": colours.get(rule.min_level, RiskColour.GREEN),
        "active": rule.active,
        "updated_at": rule.updated_at,
    }


def _rule_values(payload):
    """(cleaned values, field errors) of a rule body; messages as on the rules page."""
    payload = payload or RuleIn()
    errors = {}
    label = " ".join((payload.label or "").split())
    if not label:
        errors["label"] = [_("Enter the label shown to staff.")]
    else:
        text(label, "label", errors, max_length=LABEL_MAX)
    facts = list(dict.fromkeys(payload.facts or []))
    unknown = [f for f in facts if f not in FACTS]
    if not facts:
        errors["facts"] = [_("Choose at least one fact.")]
    elif unknown:
        errors["facts"] = [
            _("%(value)s is not a fact the risk engine knows.") % {"value": f} for f in unknown
        ]
    if payload.weight is None:
        errors["weight"] = [required_error()]
    elif payload.weight < 0:
        errors["weight"] = [_("The weight cannot be negative.")]
    else:
        try:
            MaxValueValidator(WEIGHT_MAX)(payload.weight)
        except ValidationError as exc:
            errors["weight"] = exc.messages
    if payload.min_level is None:
        errors["min_level"] = [required_error()]
    else:
        choice(payload.min_level, [(n, n) for n in LEVELS], "min_level", errors)
    values = {
        "label": label,
        "facts": facts,
        "weight": payload.weight,
        "min_level": payload.min_level,
        "active": True if payload.active is None else payload.active,
    }
    return values, errors


EDITOR_TEXT = (
    " Only CDC and the operations centre with a province-level jurisdiction change the "
    "rules; the change starts a re-evaluation of every declaration not yet medically "
    "verified, whose progress GET /jobs/{job_id} tells."
)


@router.get(
    "/rules",
    operation_id="vigil_api_triage_rules",
    response={200: RulesOut, 401: ErrorOut, 403: ErrorOut},
    summary="The risk rules, colour bands and facts",
    description=(
        "R-M1: a declaration's score is the sum of the weights of the active rules whose "
        "facts all hold; its level is the highest band whose `min_score` the score reaches, "
        "raised to the `min_level` of any matched rule. `facts` lists the fact keys a rule "
        "may use, with their labels in the caller's language. Readable by every staff user."
    ),
    url_name="triage_rules",
    openapi_extra=response_example(
        {
            "editable": True,
            "rules": [EXAMPLE_RULE],
            "bands": [
                {"level": 0, "colour": "green", "min_score": 0},
                {"level": 1, "colour": "yellow", "min_score": 10},
                {"level": 2, "colour": "orange", "min_score": 30},
                {"level": 3, "colour": "red", "min_score": 60},
            ],
            "facts": [
                {"key": "sym_fever", "label": "Fever"},
                {"key": "epidemic_area", "label": "came from a listed epidemic area"},
            ],
        }
    ),
)
@api_requires(READ_RULES)
def rules(request):
    bands = list(RiskBand.objects.all())
    colours = {band.level: band.colour for band in bands}
    return {
        "editable": may(request.auth, EDIT_RULES),
        "rules": [_rule_out(rule, colours) for rule in RiskRule.objects.all()],
        "bands": [{"level": b.level, "colour": b.colour, "min_score": b.min_score} for b in bands],
        "facts": [{"key": key, "label": str(label)} for key, label in FACTS.items()],
    }


@router.post(
    "/rules",
    operation_id="vigil_api_triage_rule_create",
    response={201: RuleChangeOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a risk rule",
    description=(
        "The rule applies to every declaration from now on (rules are data, R-M1). An "
        "unknown fact key answers 422 on `facts`." + EDITOR_TEXT
    ),
    url_name="triage_rule_create",
    openapi_extra=examples(EXAMPLE_RULE_IN, {"rule": EXAMPLE_RULE, "job_id": 5}, 201),
)
@api_requires(EDIT_RULES)
def rule_create(request, payload: RuleIn = OPTIONAL_BODY):
    user = request.auth
    values, errors = _rule_values(payload)
    if errors:
        return invalid(request, errors)
    rule, job = rule_writes.save_rule(user, None, values, request=request, via="api")
    return Status(201, {"rule": _rule_out(rule, _colours()), "job_id": job.pk})


@router.put(
    "/rules/{int:rule_id}",
    operation_id="vigil_api_triage_rule_update",
    response={200: RuleChangeOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a risk rule",
    description=(
        "Replaces the rule's label, facts, weight, minimum level and whether it is active "
        "(set `active` false to stop applying it). When nothing changes, no re-evaluation "
        "starts and `job_id` is null. Accounts that may not change rules get 404, as for "
        "an unknown rule." + EDITOR_TEXT
    ),
    url_name="triage_rule_update",
    openapi_extra=examples(
        {**EXAMPLE_RULE_IN, "weight": 30},
        {"rule": {**EXAMPLE_RULE, "weight": 30}, "job_id": 6},
        schema=RuleIn,
    ),
)
@api_requires(EDIT_RULES)
def rule_update(request, rule_id: int = Path(..., description="The rule's `id`.", example=17)):
    # 404, not 403: the route names one record, and who may not edit rules
    # has no business probing which ids exist.
    user = request.auth
    rule = RiskRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    values, errors = _rule_values(read_body(request, RuleIn))
    if errors:
        return invalid(request, errors)
    rule, job = rule_writes.save_rule(user, rule, values, request=request, via="api")
    return {"rule": _rule_out(rule, _colours()), "job_id": job.pk if job else None}
