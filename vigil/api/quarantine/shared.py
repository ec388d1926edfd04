"""What the quarantine operations share: the pages' field names in the API's
errors, a stay as the API shows it, and the lookup of a stay in scope."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Path, Schema, Status

from vigil.api.common import ErrorOut, invalid, iso_date, stale
from vigil.audit.services import stale_message
from vigil.core.scope import get_for_user
from vigil.quarantine import services
from vigil.quarantine.models import Stay

ANSWER_KEYS = services.ANSWER_KEYS
# Form field names -> the API's.
API_NAMES = {
    "facility": "facility_id",
    "bed": "bed_id",
    "person": "person_id",
    "declaration": "declaration_id",
    "area": "area_code",
    **{key: f"answers.{key}" for key in ANSWER_KEYS},
}
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ERRORS_TEXT = (
    " Errors: 403 for task groups other than facility managers and CDC; 404 outside the "
    "caller's scope; 409 `stale` when the record changed since its `version` was read; 422 "
    "`invalid` with the messages per field (the pages' messages). Nothing is changed on an "
    "error."
)
STAY_PATH = Path(..., description="The stay's `id`.", example=7)


def api_fields(errors, prefix=""):
    out = {}
    for name, messages in errors.items():
        key = API_NAMES.get(name, name)
        out.setdefault(f"{prefix}{key}", []).extend(str(m) for m in messages)
    return out


def service_errors(exc, prefix=""):
    if hasattr(exc, "error_dict"):
        return api_fields(exc.message_dict, prefix)
    return {"__all__": exc.messages}


def dates(payload, names, errors):
    """The body's YYYY-MM-DD dates `names` as the pages' forms take them."""
    return {name: iso_date(getattr(payload, name), name, errors) or "" for name in names}


# A stay -------------------------------------------------------------------


class StayOut(Schema):
    id: int
    person_id: int
    full_name: str
    facility_id: int
    facility_name: str
    bed_id: int | None
    bed: str = Field(..., description="Building-room-bed, empty without a bed.")
    start_date: datetime.date
    planned_end: datetime.date
    end_date: datetime.date | None
    outcome: str = Field(..., description="Empty while the stay is open.")
    end_note: str
    declaration_id: int | None
    declaration_code: str
    intake_answers: dict[str, bool] = Field(
        ..., description="The exposure and symptom answers at intake; empty when not asked."
    )
    version: int = Field(..., description="Send it back with the next action.")


def stay_out(stay):
    return {
        "id": stay.pk,
        "person_id": stay.person_id,
        "full_name": stay.person.full_name,
        "facility_id": stay.facility_id,
        "facility_name": stay.facility.name,
        "bed_id": stay.bed_id,
        "bed": str(stay.bed) if stay.bed_id else "",
        "start_date": stay.start_date,
        "planned_end": stay.planned_end,
        "end_date": stay.end_date,
        "outcome": stay.outcome,
        "end_note": stay.end_note,
        "declaration_id": stay.declaration_id,
        "declaration_code": stay.declaration.code if stay.declaration_id else "",
        "intake_answers": stay.intake_answers or {},
        "version": stay.version,
    }


def stays():
    return Stay.objects.select_related("person", "facility", "bed__room__building", "declaration")


def reloaded(stay):
    return stays().get(pk=stay.pk)


def scoped_stay(request, stay_id):
    """The stay inside the caller's scope (a facility manager: their facility), or 404."""
    return get_for_user(stays(), request.auth, pk=stay_id)


def run(request, form, action, answer):
    """Bind the page's form, run the page's service; `answer(result)` or the error."""
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    try:
        result = action(form.cleaned_data)
    except (services.StaleStay, services.StaleFacility) as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_errors(exc))
    return Status(200, answer(result))
