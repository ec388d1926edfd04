"""The CDC queue and medical verification (R-M2, R-M3): the flagged arrivals of
the caller's jurisdiction waiting for CDC, and CDC's result for one of them.
"""

from ninja import Query

from vigil.api.common import (
    DECLARATION_PATH,
    EXAMPLE_STATE,
    FILTERS,
    QUEUE_ERRORS,
    STATE_ERRORS,
    DeclarationStateOut,
    QueueQuery,
    action_input,
    arrival_item,
    choice,
    common_filters,
    examples,
    invalid,
    list_queryset,
    one_of,
    page,
    required_error,
    response_example,
    run_action,
    surveillance_values,
)
from vigil.api.triage import router
from vigil.api.triage.schemas import MedicalIn, TriageQueueOut
from vigil.core.paging import capped_count
from vigil.core.permissions import TRIAGE, api_requires
from vigil.declarations import questions
from vigil.declarations.models import RiskColour
from vigil.triage import services

# The queue ----------------------------------------------------------------


def _triage_item(d):
    return {
        **arrival_item(d),
        "created_at": d.created_at,
        "risk_level": d.risk_level,
        "risk_score": d.risk_score,
        "risk_reasons": list(d.risk_reasons or []),
        "yes_answers": [key for key in questions.KEYS if getattr(d, key)],
        "medical_state": d.medical_state,
        "amended_after_decision": d.amended_after_decision,
        "proposed_colour": d.proposed_colour,
    }


@router.get(
    "/queue",
    operation_id="vigil_api_triage_queue",
    response={200: TriageQueueOut, **QUEUE_ERRORS},
    summary="Flagged arrivals waiting for medical verification",
    description=(
        '"Xác minh biểu hiện y tế" (R-M2): declarations of the caller\'s jurisdiction that '
        "the risk rules flagged and CDC has not verified yet, and those a citizen amended "
        "after CDC decided (`amended_after_decision`, reviewed with POST "
        "/api/v1/verification/{id}/review), highest risk first, then "
        "oldest. `counts` gives the number per colour (for the tabs at the top), with the "
        "other filters applied; `colour` narrows the list to one. Filters as in the "
        "verification queue: `district_code`, `commune_code`, `q`, `date_on`, `date_from`, "
        "`date_to`. Counts stop at 10,000 (`capped`, `counts_capped`: more than that). Page "
        "with `limit` and `offset`."
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
@api_requires(TRIAGE)
def queue(
    request,
    filters: QueueQuery = FILTERS,
    colour: str | None = Query(None, description=one_of(RiskColour.choices), example="red"),
):
    errors = {}
    colour = choice(colour, RiskColour.choices, "colour", errors)
    qs = common_filters(list_queryset(request.auth).awaiting_medical(), errors, filters)
    if errors:
        return invalid(request, errors)
    # The tabs' numbers: one capped count per colour (an exact count of a
    # province's queue would read every flagged declaration), and the list's.
    counted = {value: capped_count(qs.filter(risk_colour=value)) for value in RiskColour.values}
    if colour:
        qs = qs.filter(risk_colour=colour)
        total, capped = counted[colour]
    else:
        total, capped = capped_count(qs)
    ids = qs.order_by("-risk_level", "created_at", "id").values_list("pk", flat=True)
    result = page(ids, filters, lambda pk: pk, total=total)
    rows = list_queryset(request.auth).filter(pk__in=result["items"]).in_bulk()
    return {
        **result,
        "items": [_triage_item(rows[pk]) for pk in result["items"] if pk in rows],
        "capped": capped,
        "counts": {value: n for value, (n, _c) in counted.items()},
        "counts_capped": {value: c for value, (_n, c) in counted.items()},
    }


# Medical verification -----------------------------------------------------


@router.post(
    "/{int:declaration_id}/medical",
    operation_id="vigil_api_triage_medical",
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
@api_requires(TRIAGE)
def medical(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(request, declaration_id, MedicalIn)
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
