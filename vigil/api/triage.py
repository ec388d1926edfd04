"""CDC triage through the API (R-M1..R-M3, R-N5): the queue of flagged arrivals,
medical verification, the risk rules and the epidemic areas.

The rules and epidemic areas are province-wide data: every staff user reads
them; CDC and the operations centre of the province change them. Each change
starts a re-evaluation of every open declaration in the background and answers
its job id; GET /jobs/{job_id} tells its progress to the account that started it.
"""

import datetime

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxValueValidator
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from vigil.accounts.models import Task
from vigil.api.common import (
    COMMUNE_QUERY,
    DATE_FROM_QUERY,
    DATE_ON_QUERY,
    DATE_TO_QUERY,
    DECLARATION_PATH,
    DISTRICT_QUERY,
    EXAMPLE_STATE,
    KEYWORD_QUERY,
    LIMIT_QUERY,
    OFFSET_QUERY,
    OPTIONAL_BODY,
    STATE_ERRORS,
    VERSION_FIELD,
    DeclarationStateOut,
    ErrorOut,
    action_input,
    choice,
    common_filters,
    date_field,
    examples,
    invalid,
    iso_date,
    list_queryset,
    one_of,
    page,
    read_body,
    require,
    required_error,
    response_example,
    run_action,
    surveillance_field,
    surveillance_values,
    text,
)
from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import Action, log
from vigil.core.modules import STAFF
from vigil.declarations import questions
from vigil.declarations.models import MedicalState, RiskColour
from vigil.triage import services
from vigil.triage.engine import FACTS
from vigil.triage.models import EpidemicArea, Job, RiskBand, RiskRule

router = Router(tags=["triage"])

# Who records medical results (R-M3).
MEDICAL_TASKS = (Task.CDC, Task.HEALTH_STATION)
# Who changes the province's rules and epidemic areas (at province level).
RULE_EDITOR_TASKS = (Task.CDC, Task.ADMIN)
LEVELS = (0, 1, 2, 3)
WEIGHT_MAX = 100_000
LABEL_MAX = 200
AREA_NOTE_MAX = 300


def may_edit_rules(user):
    """CDC or the operations centre of the province: the rules are province-wide."""
    return (
        user.has_task(*RULE_EDITOR_TASKS)
        and user.jurisdiction_id is not None
        and user.jurisdiction.level == Level.PROVINCE
    )


def require_editor(user):
    if not may_edit_rules(user):
        raise PermissionDenied(_("Only CDC or the operations centre of the province can do this."))


# The queue ----------------------------------------------------------------


class TriageItemOut(Schema):
    id: int
    code: str
    full_name: str
    birth_year: int | None
    area_code: str
    area_name: str
    arrival_date: datetime.date
    created_at: datetime.datetime
    risk_colour: str
    risk_level: int
    risk_score: int
    risk_reasons: list[str] = Field(..., description="Labels of the rules that matched.")
    yes_answers: list[str] = Field(..., description="Keys of the questions answered yes.")
    version: int


class ColourCounts(Schema):
    green: int
    yellow: int
    orange: int
    red: int


class TriageQueueOut(Schema):
    total: int = Field(..., description="How many declarations match, on every page.")
    counts: ColourCounts = Field(
        ..., description="Per colour, with every filter but `colour` (the tabs' numbers)."
    )
    limit: int
    offset: int
    items: list[TriageItemOut]


def _triage_item(d):
    return {
        "id": d.pk,
        "code": d.code,
        "full_name": d.person.full_name,
        "birth_year": d.person.birth_year,
        "area_code": d.area.code,
        "area_name": d.area.name,
        "arrival_date": d.arrival_date,
        "created_at": d.created_at,
        "risk_colour": d.risk_colour,
        "risk_level": d.risk_level,
        "risk_score": d.risk_score,
        "risk_reasons": list(d.risk_reasons or []),
        "yes_answers": [key for key in questions.KEYS if getattr(d, key)],
        "version": d.version,
    }


@router.get(
    "/queue",
    response={200: TriageQueueOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Flagged arrivals waiting for medical verification",
    description=(
        '"Xác minh biểu hiện y tế" (R-M2): declarations of the caller\'s jurisdiction that '
        "the risk rules flagged and CDC has not verified yet, highest risk first, then "
        "oldest. `counts` gives the number per colour (for the tabs at the top), with the "
        "other filters applied; `colour` narrows the list to one. Filters as in the "
        "verification queue: `district_code`, `commune_code`, `q`, `date_on`, `date_from`, "
        "`date_to`. Page with `limit` and `offset`."
    ),
    url_name="triage_queue",
    openapi_extra=response_example(
        {
            "total": 3,
            "counts": {"green": 0, "yellow": 1, "orange": 0, "red": 2},
            "limit": 50,
            "offset": 0,
            "items": [
                {
                    "id": 42,
                    "code": "7KX3M9QA",
                    "full_name": "Nguyễn Văn An",
                    "birth_year": 1990,
                    "area_code": "19789",
                    "area_name": "Phường Phú Nhuận",
                    "arrival_date": "2021-08-20",
                    "created_at": "2021-08-20T08:15:00+07:00",
                    "risk_colour": "red",
                    "risk_level": 3,
                    "risk_score": 70,
                    "risk_reasons": [
                        "Sốt",
                        "Về từ vùng dịch (danh mục CDC)",
                        "Sốt + về từ vùng dịch",
                    ],
                    "yes_answers": ["sym_fever"],
                    "version": 1,
                }
            ],
        }
    ),
)
def queue(
    request,
    colour: str | None = Query(None, description=one_of(RiskColour.choices), example="red"),
    district_code: str | None = DISTRICT_QUERY,
    commune_code: str | None = COMMUNE_QUERY,
    q: str | None = KEYWORD_QUERY,
    date_on: str | None = DATE_ON_QUERY,
    date_from: str | None = DATE_FROM_QUERY,
    date_to: str | None = DATE_TO_QUERY,
    limit: int = LIMIT_QUERY,
    offset: int = OFFSET_QUERY,
):
    require(request.auth, STAFF)
    errors = {}
    colour = choice(colour, RiskColour.choices, "colour", errors)
    qs = list_queryset(request.auth).filter(medical_state=MedicalState.PENDING)
    qs = common_filters(
        qs,
        errors,
        district_code=district_code,
        commune_code=commune_code,
        q=q,
        date_on=date_on,
        date_from=date_from,
        date_to=date_to,
    )
    if errors:
        return invalid(request, errors)
    # One aggregate query for the four tabs.
    counts = qs.aggregate(
        **{value: Count("pk", filter=Q(risk_colour=value)) for value in RiskColour.values}
    )
    if colour:
        qs = qs.filter(risk_colour=colour)
    total = counts[colour] if colour else sum(counts.values())
    qs = qs.order_by("-risk_level", "created_at", "id")
    return {**page(qs, limit, offset, _triage_item, total=total), "counts": counts}


# Medical verification -----------------------------------------------------


class MedicalIn(Schema):
    version: int | None = VERSION_FIELD
    symptoms_confirmed: bool | None = Field(
        None, description="Whether CDC confirmed the declared symptoms. Required."
    )
    surveillance: str | None = surveillance_field()
    start: str | None = date_field("YYYY-MM-DD: surveillance from; required unless `none`.")
    end: str | None = date_field("YYYY-MM-DD: surveillance until; not before `start`.")
    note: str | None = ""


@router.post(
    "/{int:declaration_id}/medical",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Record the medical verification",
    description=(
        "CDC's result (R-M3): whether the symptoms are confirmed, and the surveillance "
        "decided (concentrated quarantine, home quarantine, home health monitoring, "
        "self-monitoring, hospital referral, or `none`) with the dates it applies. "
        "Needs the CDC or health station task group. Errors: 403 for other task groups; "
        "404 outside the caller's jurisdiction; 409 `stale` when the declaration changed "
        "since `version` was read; 409 `already_handled` when it was already verified; "
        "422 `invalid` with the messages per field. Nothing is changed on an error."
    ),
    url_name="triage_medical",
    openapi_extra=examples(
        {
            "version": 1,
            "symptoms_confirmed": True,
            "surveillance": "concentrated",
            "start": "2021-08-21",
            "end": "2021-09-04",
            "note": "Sốt 38.5°C, chuyển khu cách ly tập trung.",
        },
        {
            **EXAMPLE_STATE,
            "medical_state": "verified",
            "surveillance": "concentrated",
            "surveillance_end": "2021-09-04",
            "risk_colour": "red",
            "risk_level": 3,
            "version": 2,
        },
        schema=MedicalIn,
    ),
)
def medical(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(request, declaration_id, MEDICAL_TASKS, MedicalIn)
    if payload.symptoms_confirmed is None:
        errors["symptoms_confirmed"] = [required_error()]
    values = surveillance_values(payload, errors)
    if errors:
        return invalid(request, errors)
    return run_action(
        request,
        services.medical_verify,
        declaration,
        version=payload.version,
        symptoms_confirmed=payload.symptoms_confirmed,
        **values,
    )


# Rules --------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    label: str
    facts: list[str] = Field(..., description="Fact keys (see `facts` of GET /rules).")
    weight: int
    min_level: int
    min_colour: str = Field(..., description="The colour of `min_level`.")
    active: bool
    updated_at: datetime.datetime


class BandOut(Schema):
    level: int
    colour: str
    min_score: int


class FactOut(Schema):
    key: str
    label: str


class RulesOut(Schema):
    editable: bool = Field(..., description="Whether the caller may change rules and areas.")
    rules: list[RuleOut]
    bands: list[BandOut]
    facts: list[FactOut]


class RuleIn(Schema):
    label: str | None = Field(None, description=f"Shown to staff. Required; {LABEL_MAX} at most.")
    facts: list[str] | None = Field(
        None, description="Fact keys that must all hold (at least one; see GET /rules)."
    )
    weight: int | None = Field(None, description="Added to the score, 0 or more. Required.")
    min_level: int | None = Field(
        None, description="The level is raised to at least this: 0 green .. 3 red. Required."
    )
    active: bool | None = Field(True, description="Inactive rules are kept but not applied.")


class RuleChangeOut(Schema):
    rule: RuleOut
    job_id: int | None = Field(
        ...,
        description="The re-evaluation started (GET /jobs/{job_id}); null when nothing changed.",
    )


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


def _rule_log(rule):
    return {
        "facts": rule.facts,
        "weight": rule.weight,
        "min_level": rule.min_level,
        "active": rule.active,
        "via": "api",
    }


EXAMPLE_RULE_IN = {
    "label": "Ho + về từ vùng dịch",
    "facts": ["sym_cough", "epidemic_area"],
    "weight": 25,
    "min_level": 3,
    "active": True,
}
EXAMPLE_RULE = {
    "id": 17,
    **EXAMPLE_RULE_IN,
    "min_colour": "red",
    "updated_at": "2021-08-21T10:00:00+07:00",
}
EDITOR_TEXT = (
    " Only CDC and the operations centre with a province-level jurisdiction change the "
    "rules; the change starts a re-evaluation of every declaration not yet medically "
    "verified, whose progress GET /jobs/{job_id} tells."
)


@router.get(
    "/rules",
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
def rules(request):
    require(request.auth, STAFF)
    bands = list(RiskBand.objects.all())
    colours = {band.level: band.colour for band in bands}
    return {
        "editable": may_edit_rules(request.auth),
        "rules": [_rule_out(rule, colours) for rule in RiskRule.objects.all()],
        "bands": [{"level": b.level, "colour": b.colour, "min_score": b.min_score} for b in bands],
        "facts": [{"key": key, "label": str(label)} for key, label in FACTS.items()],
    }


@router.post(
    "/rules",
    response={201: RuleChangeOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add a risk rule",
    description=(
        "The rule applies to every declaration from now on (rules are data, R-M1). An "
        "unknown fact key answers 422 on `facts`." + EDITOR_TEXT
    ),
    url_name="triage_rule_create",
    openapi_extra=examples(EXAMPLE_RULE_IN, {"rule": EXAMPLE_RULE, "job_id": 5}, 201),
)
def rule_create(request, payload: RuleIn = OPTIONAL_BODY):
    user = request.auth
    require_editor(user)
    values, errors = _rule_values(payload)
    if errors:
        return invalid(request, errors)
    with transaction.atomic():
        rule = RiskRule.objects.create(**values)
        log(request, Action.CREATE, rule, detail=_rule_log(rule))
        job = services.start_reevaluation(user)
    return Status(201, {"rule": _rule_out(rule, _colours()), "job_id": job.pk})


@router.put(
    "/rules/{int:rule_id}",
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
def rule_update(request, rule_id: int = Path(..., description="The rule's `id`.", example=17)):
    user = request.auth
    # 404, not 403: the route names one record, and who may not edit rules
    # has no business probing which ids exist.
    if not may_edit_rules(user):
        raise Http404
    if not RiskRule.objects.filter(pk=rule_id).exists():
        raise Http404
    values, errors = _rule_values(read_body(request, RuleIn))
    if errors:
        return invalid(request, errors)
    with transaction.atomic():
        rule = RiskRule.objects.select_for_update().get(pk=rule_id)
        changed = {k: v for k, v in values.items() if getattr(rule, k) != v}
        job = None
        if changed:
            for field, value in changed.items():
                setattr(rule, field, value)
            rule.save()
            log(request, Action.CHANGE, rule, detail={**_rule_log(rule), "changed": list(changed)})
            job = services.start_reevaluation(user)
    return {"rule": _rule_out(rule, _colours()), "job_id": job.pk if job else None}


# Re-evaluation jobs -------------------------------------------------------


class JobOut(Schema):
    id: int
    kind: str
    state: str = Field(..., description="`queued`, `running`, `done` or `failed`.")
    total: int
    done: int
    percent: int
    error: str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


@router.get(
    "/jobs/{int:job_id}",
    response={200: JobOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Progress of a re-evaluation",
    description=(
        "Poll it after changing a rule or an epidemic area until `state` is `done` (or "
        "`failed`, with `error`). Only the account that started the job sees it; 404 for "
        "everyone else."
    ),
    url_name="triage_job",
    openapi_extra=response_example(
        {
            "id": 5,
            "kind": "reevaluate_risk",
            "state": "running",
            "total": 100000,
            "done": 42000,
            "percent": 42,
            "error": "",
            "created_at": "2021-08-21T10:00:00+07:00",
            "finished_at": None,
        }
    ),
)
def job(request, job_id: int = Path(..., description="The job's `id`.", example=5)):
    user = request.auth
    require(user, STAFF)
    found = Job.objects.filter(pk=job_id, created_by=user).first()
    if found is None:
        raise Http404
    return {
        "id": found.pk,
        "kind": found.kind,
        "state": found.state,
        "total": found.total,
        "done": found.done,
        "percent": found.percent,
        "error": found.error,
        "created_at": found.created_at,
        "finished_at": found.finished_at,
    }


# Epidemic areas -----------------------------------------------------------


class AreaOut(Schema):
    id: int
    unit_code: str
    unit_name: str
    unit_level: int = Field(..., description="1 province, 2 district, 3 commune.")
    start: datetime.date
    end: datetime.date | None = Field(..., description="Null: still going.")
    current: bool = Field(..., description="Whether today is inside the period.")
    note: str
    created_at: datetime.datetime


class AreaIn(Schema):
    unit_code: str | None = Field(
        None,
        description=(
            "Code of a province, district or commune of Vietnam (GET /api/v1/areas/units). "
            "Required."
        ),
    )
    start: str | None = date_field("YYYY-MM-DD. Required.")
    end: str | None = date_field("YYYY-MM-DD, not before `start`; empty while still going.")
    note: str | None = Field("", description=f"At most {AREA_NOTE_MAX} characters.")


class AreaChangeOut(Schema):
    area: AreaOut
    job_id: int = Field(..., description="The re-evaluation started (GET /jobs/{job_id}).")


def _area_out(area, today):
    return {
        "id": area.pk,
        "unit_code": area.unit.code,
        "unit_name": area.unit.name,
        "unit_level": area.unit.level,
        "start": area.start,
        "end": area.end,
        "current": area.start <= today and (area.end is None or today <= area.end),
        "note": area.note,
        "created_at": area.created_at,
    }


EXAMPLE_AREA_IN = {"unit_code": "79", "start": "2021-07-09", "end": None, "note": "Chỉ thị 16"}
EXAMPLE_AREA = {
    "id": 3,
    "unit_code": "79",
    "unit_name": "Thành phố Hồ Chí Minh",
    "unit_level": 1,
    "start": "2021-07-09",
    "end": None,
    "current": True,
    "note": "Chỉ thị 16",
    "created_at": "2021-07-09T08:00:00+07:00",
}


@router.get(
    "/epidemic-areas",
    response={200: list[AreaOut], 401: ErrorOut, 403: ErrorOut},
    summary="The epidemic areas and their dates",
    description=(
        "The maintained list of places declared epidemic areas (R-M1), latest first: a "
        "declaration departing from one of them (or from a unit inside it) between `start` "
        "and `end` holds the fact `epidemic_area`. Readable by every staff user."
    ),
    url_name="triage_epidemic_areas",
    openapi_extra=response_example([EXAMPLE_AREA]),
)
def epidemic_areas(request):
    require(request.auth, STAFF)
    today = timezone.localdate()
    return [_area_out(a, today) for a in EpidemicArea.objects.select_related("unit")]


@router.post(
    "/epidemic-areas",
    response={201: AreaChangeOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Add an epidemic area",
    description=(
        "A province, district or commune of the active administrative tree, from `start` "
        "until `end` (empty while it lasts). Villages are not accepted: departures are "
        "recorded down to the commune. Only CDC and the operations centre with a "
        "province-level jurisdiction add areas; the change starts a re-evaluation of every "
        "declaration not yet medically verified, whose progress GET /jobs/{job_id} tells."
    ),
    url_name="triage_epidemic_area_create",
    openapi_extra=examples(EXAMPLE_AREA_IN, {"area": EXAMPLE_AREA, "job_id": 7}, 201),
)
def epidemic_area_create(request, payload: AreaIn = OPTIONAL_BODY):
    user = request.auth
    require_editor(user)
    payload = payload or AreaIn()
    errors = {}
    code = (payload.unit_code or "").strip()
    unit = None
    if not code:
        errors["unit_code"] = [required_error()]
    else:
        unit = AdminUnit.objects.active_tree().filter(code=code, level__lte=Level.COMMUNE).first()
        if unit is None:
            errors["unit_code"] = [
                str(forms.ModelChoiceField.default_error_messages["invalid_choice"])
            ]
    start = iso_date(payload.start, "start", errors)
    if start is None and "start" not in errors:
        errors["start"] = [required_error()]
    end = iso_date(payload.end, "end", errors)
    if start and end and end < start:
        errors["end"] = [_("The end date is before the start date.")]
    note = text(payload.note, "note", errors, max_length=AREA_NOTE_MAX)
    if errors:
        return invalid(request, errors)
    with transaction.atomic():
        area = EpidemicArea.objects.create(
            unit=unit, start=start, end=end, note=note, created_by=user
        )
        log(
            request,
            Action.CREATE,
            area,
            detail={
                "unit": unit.code,
                "unit_name": unit.name,
                "start": start.isoformat(),
                "end": end.isoformat() if end else None,
                "via": "api",
            },
        )
        job = services.start_reevaluation(user)
    return Status(201, {"area": _area_out(area, timezone.localdate()), "job_id": job.pk})
