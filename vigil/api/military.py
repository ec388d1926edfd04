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

from vigil.api import common
from vigil.api.common import (
    DECLARATION_PATH,
    EXAMPLE_ARRIVAL,
    EXAMPLE_STATE,
    FILTERS,
    NOTE_MAX,
    PAGE_MAX,
    QUEUE_ERRORS,
    STATE_ERRORS,
    VERSION_FIELD,
    DeclarationStateOut,
    action_input,
    arrival_item,
    choice,
    common_filters,
    enum,
    examples,
    invalid,
    page,
    page_example,
    required_error,
    run_action,
    text,
)
from vigil.core.permissions import VERIFY_QUARANTINED, api_requires, get
from vigil.quarantine.models import Stay
from vigil.verification import military

router = Router(tags=["military"])

TASKS_TEXT = ", ".join(f"`{task}`" for task in get(VERIFY_QUARANTINED).tasks)


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


class MilitaryQueueOut(common.PageOut):
    items: list[MilitaryItemOut]


def _item(d):
    return {
        **arrival_item(d),
        "address": d.address,
        "created_at": d.created_at,
        "facility_id": d.stay_facility_id,
        "facility_name": d.stay_facility,
        "stay_start": d.stay_start,
        "surveillance": d.surveillance,
        "verification_state": d.verification_state,
    }


@router.get(
    "/queue",
    response={200: MilitaryQueueOut, **QUEUE_ERRORS},
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
    openapi_extra=page_example(
        {
            **EXAMPLE_ARRIVAL,
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
    ),
)
@api_requires(VERIFY_QUARANTINED)
def queue(
    request,
    filters: common.QueueQuery = FILTERS,
    facility_id: int | None = Query(None, description="`id` of a facility.", example=3),
):
    errors = {}
    qs = military.queue_for(request.auth).select_related("person", "area")
    qs = common_filters(qs, errors, filters)
    if errors:
        return invalid(request, errors)
    qs = military.with_stay(qs)
    if facility_id is not None:
        stays = Stay.objects.filter(declaration=OuterRef("pk"), facility_id=facility_id)
        qs = qs.filter(Exists(stays))
    return page(qs, filters, _item)


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
@api_requires(VERIFY_QUARANTINED)
def verify(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(request, declaration_id, MilitaryVerifyIn)
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
