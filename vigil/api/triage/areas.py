"""The epidemic areas (R-M1): the maintained list of places declared epidemic
areas, with their dates. Every staff user reads it; CDC and the operations
centre of the province add areas, which starts a re-evaluation (see `jobs`).
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from vigil.api.common import (
    OPTIONAL_BODY,
    ErrorOut,
    examples,
    invalid,
    iso_date,
    required_error,
    response_example,
    text,
)
from vigil.api.triage import router
from vigil.api.triage.schemas import (
    AREA_NOTE_MAX,
    EXAMPLE_AREA,
    EXAMPLE_AREA_IN,
    AreaChangeOut,
    AreaIn,
    AreaOut,
)
from vigil.areas.models import AdminUnit, Level
from vigil.core.permissions import EDIT_RULES, READ_RULES, api_requires
from vigil.triage import rules as rule_writes
from vigil.triage.models import EpidemicArea


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


@router.get(
    "/epidemic-areas",
    operation_id="vigil_api_triage_epidemic_areas",
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
@api_requires(READ_RULES)
def epidemic_areas(request):
    today = timezone.localdate()
    return [_area_out(a, today) for a in EpidemicArea.objects.select_related("unit")]


@router.post(
    "/epidemic-areas",
    operation_id="vigil_api_triage_epidemic_area_create",
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
@api_requires(EDIT_RULES)
def epidemic_area_create(request, payload: AreaIn = OPTIONAL_BODY):
    user = request.auth
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
    area, job = rule_writes.add_epidemic_area(
        user,
        {"unit": unit, "start": start, "end": end, "note": note},
        request=request,
        via="api",
    )
    return Status(201, {"area": _area_out(area, timezone.localdate()), "job_id": job.pk})
