"""The military command's verification through the API (seed §I.2, R-V7, R-N5).

The queue of people taken into concentrated quarantine before their commune
verified them (verification state `intake`), scoped by the declaration's
commune like every verification queue, and the one action on it: returned to
the locality, or could not verify. The rules are vigil.verification.military,
the same as the page's: the military task group and the operations centre may
read and act (403 otherwise); a declaration outside the jurisdiction is 404; a
stale `version` is 409 `stale`; a declaration no longer waiting is 409
`already_handled`.
"""

import datetime

from django.db.models import Exists, OuterRef
from ninja import Field, Query, Router, Schema

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
    NOTE_MAX,
    OFFSET_QUERY,
    PAGE_MAX,
    STATE_ERRORS,
    VERSION_FIELD,
    DeclarationStateOut,
    ErrorOut,
    action_input,
    choice,
    common_filters,
    enum,
    examples,
    invalid,
    page,
    require,
    required_error,
    response_example,
    run_action,
    text,
)
from vigil.quarantine.models import Stay
from vigil.verification import military

router = Router(tags=["military"])

TASKS_TEXT = ", ".join(f"`{task}`" for task in military.MILITARY_TASKS)


class MilitaryItemOut(Schema):
    id: int
    code: str
    full_name: str
    id_number: str = Field(..., description="Masked; the declaration itself shows it whole.")
    phone: str = Field(..., description="Masked.")
    birth_year: int | None
    area_code: str = Field(..., description="The home commune the person declared.")
    area_name: str
    address: str
    arrival_date: datetime.date
    created_at: datetime.datetime
    facility_id: int | None = Field(..., description="The facility the intake took them into.")
    facility_name: str | None
    stay_start: datetime.date | None
    surveillance: str
    risk_colour: str
    verification_state: str
    version: int


class MilitaryQueueOut(Schema):
    total: int = Field(..., description="How many declarations match, on every page.")
    limit: int
    offset: int
    items: list[MilitaryItemOut]


def _item(d):
    person = d.person
    return {
        "id": d.pk,
        "code": d.code,
        "full_name": person.full_name,
        "id_number": person.masked_id_number,
        "phone": person.masked_phone,
        "birth_year": person.birth_year,
        "area_code": d.area.code,
        "area_name": d.area.name,
        "address": d.address,
        "arrival_date": d.arrival_date,
        "created_at": d.created_at,
        "facility_id": d.stay_facility_id,
        "facility_name": d.stay_facility,
        "stay_start": d.stay_start,
        "surveillance": d.surveillance,
        "risk_colour": d.risk_colour,
        "verification_state": d.verification_state,
        "version": d.version,
    }


@router.get(
    "/queue",
    response={200: MilitaryQueueOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="People taken into concentrated quarantine, to verify",
    description=(
        '"Xác minh người vào khu cách ly tập trung" (R-V7): declarations verified at '
        "quarantine intake (`verification_state` `intake`) whose home commune is in the "
        "caller's jurisdiction, oldest first. Filters: `district_code`, `commune_code`, "
        "`facility_id`, `q` (name words, ID number, phone or code), and a date range "
        "`date_from`..`date_to` (YYYY-MM-DD) on the date of declaration or, with "
        f"`date_on=arrival`, of arrival. `total` counts every match; page with `limit` (at "
        f"most {PAGE_MAX}) and `offset`. ID numbers and phones are masked. For {TASKS_TEXT} "
        "(403 otherwise)."
    ),
    url_name="military_queue",
    openapi_extra=response_example(
        {
            "total": 1,
            "limit": 50,
            "offset": 0,
            "items": [
                {
                    "id": 42,
                    "code": "7KX3M9QA",
                    "full_name": "Nguyễn Văn An",
                    "id_number": "04•••••••234",
                    "phone": "090••••456",
                    "birth_year": 1990,
                    "area_code": "19789",
                    "area_name": "Phường Phú Nhuận",
                    "address": "12 Nguyễn Huệ",
                    "arrival_date": "2021-08-20",
                    "created_at": "2021-08-20T08:15:00+07:00",
                    "facility_id": 3,
                    "facility_name": "Khu cách ly tập trung Phú Bài",
                    "stay_start": "2021-08-20",
                    "surveillance": "concentrated",
                    "risk_colour": "orange",
                    "verification_state": "intake",
                    "version": 4,
                }
            ],
        }
    ),
)
def queue(
    request,
    district_code: str | None = DISTRICT_QUERY,
    commune_code: str | None = COMMUNE_QUERY,
    facility_id: int | None = Query(None, description="`id` of a facility.", example=3),
    q: str | None = KEYWORD_QUERY,
    date_on: str | None = DATE_ON_QUERY,
    date_from: str | None = DATE_FROM_QUERY,
    date_to: str | None = DATE_TO_QUERY,
    limit: int = LIMIT_QUERY,
    offset: int = OFFSET_QUERY,
):
    require(request.auth, military.MILITARY_TASKS)
    errors = {}
    qs = military.queue_for(request.auth).select_related("person", "area")
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
    qs = military.with_stay(qs)
    if facility_id is not None:
        stays = Stay.objects.filter(declaration=OuterRef("pk"), facility_id=facility_id)
        qs = qs.filter(Exists(stays))
    return page(qs, limit, offset, _item)


class MilitaryVerifyIn(Schema):
    version: int | None = VERSION_FIELD
    outcome: str | None = Field(
        None,
        description=(
            "Required. `returned`: the person belongs to the locality declared (the "
            "concentrated quarantine stays the surveillance); `failed`: could not verify "
            "(`note` then required)."
        ),
        json_schema_extra=enum(military.OUTCOMES),
    )
    note: str | None = Field(
        "", description=f"The reason or a note; at most {NOTE_MAX} characters."
    )


@router.post(
    "/{int:declaration_id}/verify",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Record the military command's verification",
    description=(
        "The outcome of the verification of a person in concentrated quarantine (R-V7): "
        "`returned` moves `verification_state` to `returned`, `failed` to `failed` (the "
        "failed verifications, for the competent authority). Only a declaration waiting in "
        "the queue (`intake`) can be verified. Send the `version` as read: 409 `stale` when "
        "someone changed the declaration since, 409 `already_handled` when it no longer "
        f"waits; 422 `invalid` with the messages per field. For {TASKS_TEXT} (403 otherwise); "
        "a declaration outside the jurisdiction is 404. Nothing is changed on an error."
    ),
    url_name="military_verify",
    openapi_extra=examples(
        {"version": 4, "outcome": "returned", "note": "Đã xác minh với UBND phường."},
        {**EXAMPLE_STATE, "verification_state": "returned", "surveillance": "concentrated"},
        schema=MilitaryVerifyIn,
    ),
)
def verify(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(
        request, declaration_id, military.MILITARY_TASKS, MilitaryVerifyIn
    )
    outcome = choice(payload.outcome, military.OUTCOMES, "outcome", errors)
    if not outcome and "outcome" not in errors:
        errors["outcome"] = [required_error()]
    note = text(payload.note, "note", errors)
    if errors:
        return invalid(request, errors)
    return run_action(
        request,
        military.military_verify,
        declaration,
        version=payload.version,
        outcome=outcome,
        note=note,
    )
