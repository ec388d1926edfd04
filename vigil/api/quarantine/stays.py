"""The lists "Đang cách ly" / "Hết cách ly" and one stay (R-Q3): its history,
and the moves, extensions, ends and deletions, bound to the pages' own forms
and run by vigil.quarantine.services. A stay outside the caller's scope
answers 404 (a facility manager sees their facility only)."""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Schema, Status

from vigil.api.common import (
    FILTERS,
    QUEUE_ERRORS,
    READ_ERRORS,
    KeywordQuery,
    PageOut,
    body_doc,
    enum,
    invalid,
    page,
    read_body,
)
from vigil.api.quarantine import router
from vigil.api.quarantine.shared import (
    ERRORS,
    ERRORS_TEXT,
    STAY_PATH,
    StayOut,
    api_fields,
    dates,
    reloaded,
    run,
    scoped_stay,
    service_errors,
    stay_out,
    stays,
)
from vigil.core.paging import capped_count
from vigil.core.permissions import READ_QUARANTINE, TAKE_IN, api_requires
from vigil.quarantine import services
from vigil.quarantine.forms import DeleteForm, EndForm, ExtendForm, MoveForm, StayFilterForm
from vigil.quarantine.models import Outcome

# The lists ----------------------------------------------------------------


class StayListItemOut(StayOut):
    days_remaining: int | None = Field(
        ..., description="Days until the planned end (negative: overdue); null once ended."
    )


class StayQuery(KeywordQuery):
    ended: bool = Field(False, description="The ended stays instead.", examples=[False])
    facility_id: int | None = Field(None, description="Id of a facility.", examples=[3])
    date_from: datetime.date | None = Field(
        None, description="Start from.", json_schema_extra={"example": "2021-08-01"}
    )
    date_to: datetime.date | None = Field(
        None, description="Start until.", json_schema_extra={"example": "2021-08-31"}
    )


class StayListOut(PageOut):
    capped: bool = Field(
        False,
        description="More than VIGIL_LIST_COUNT_CAP (10,000) match: `total` is the cap "
        "(“10.000+”).",
    )
    items: list[StayListItemOut]


def _listed(stay):
    return {**stay_out(stay), "days_remaining": stay.days_remaining}


@router.get(
    "/stays",
    operation_id="vigil_api_quarantine_stays",
    response={200: StayListOut, **QUEUE_ERRORS},
    summary="People in quarantine now, or whose stay ended",
    description=(
        '"Đang cách ly" (open stays, newest start first) or, with `ended=true`, "Hết cách '
        "ly\" (newest end first), in the caller's scope (a facility manager: their "
        "facility). Filters as on the pages: `facility_id`, start dates `date_from`.."
        "`date_to` (YYYY-MM-DD), `q` (name words, whole ID number or phone). A facility or "
        "date the page would refuse answers 422."
    ),
    url_name="quarantine_stays",
)
@api_requires(READ_QUARANTINE)
def stay_list(request, filters: StayQuery = FILTERS):
    data = {"facility": filters.facility_id or "", "q": filters.q or ""}
    data.update(date_from=filters.date_from or "", date_to=filters.date_to or "")
    form = StayFilterForm(data, user=request.auth)
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    scoped = stays().visible_to(request.auth)
    qs = form.filter_qs(scoped.ended() if filters.ended else scoped.open())
    # Counted up to the cap, as the page counts.
    total, capped = capped_count(qs)
    qs = qs.order_by("-end_date" if filters.ended else "-start_date", "-id")
    return {**page(qs, filters, _listed, total=total), "capped": capped}


# One stay -----------------------------------------------------------------


@router.get(
    "/stays/{int:stay_id}",
    operation_id="vigil_api_quarantine_stay",
    response={200: StayOut, **READ_ERRORS},
    summary="One stay",
    url_name="quarantine_stay",
)
@api_requires(READ_QUARANTINE)
def stay_detail(request, stay_id: int = STAY_PATH):
    return stay_out(scoped_stay(request, stay_id))


class StayEventOut(Schema):
    at: datetime.datetime
    actor: str
    action: str = Field(..., json_schema_extra=enum([(a, a) for a in ("intake", "move", "extend",
                                                                       "end")]))  # fmt: skip
    from_data: dict
    to_data: dict
    note: str


@router.get(
    "/stays/{int:stay_id}/events",
    operation_id="vigil_api_quarantine_stay_events",
    response={200: list[StayEventOut], **READ_ERRORS},
    summary="The history of a stay: intake, moves, extensions, end",
    url_name="quarantine_stay_events",
)
@api_requires(READ_QUARANTINE)
def stay_events(request, stay_id: int = STAY_PATH):
    stay = scoped_stay(request, stay_id)
    return [
        {
            "at": e.at,
            "actor": (e.actor.username if e.actor else ""),
            "action": e.action,
            "from_data": e.from_data,
            "to_data": e.to_data,
            "note": e.note,
        }
        for e in stay.events.select_related("actor")
    ]


# Actions ------------------------------------------------------------------


class MoveIn(Schema):
    version: int | None = Field(None, description="The stay's `version`. Required.")
    facility_id: int | None = Field(None, description="Required.")
    bed_id: int | None = Field(None, description="Required when the facility has beds.")


class ExtendIn(Schema):
    version: int | None = Field(None, description="The stay's `version`. Required.")
    planned_end: str | None = Field(None, description="YYYY-MM-DD, after the current one.")
    reason: str | None = Field(None, description="Required.")


class EndIn(Schema):
    version: int | None = Field(None, description="The stay's `version`. Required.")
    end_date: str | None = Field(None, description="YYYY-MM-DD, not in the future. Required.")
    outcome: str | None = Field(None, json_schema_extra=enum(Outcome.choices, null=True))
    note: str | None = ""
    reason: str | None = Field(
        "",
        description=(
            "Required, with `confirm`, to release someone (`completed`, `other`) before the "
            "planned end, or as `completed` without a negative test during the stay when the "
            "facility asks for one."
        ),
    )
    confirm: bool = Field(False, description="The explicit confirmation of such an end.")


class DeleteIn(Schema):
    reason: str | None = Field(None, description="Why the stay is deleted. Required.")


def _act(request, stay_id, schema, bind, action, date_names=()):
    """One action on a stay: the stay in scope (404), the body (400, 422), the
    page's form `bind(body, dates)`, the service `action(user, stay, cleaned data)`."""
    stay = scoped_stay(request, stay_id)
    payload = read_body(request, schema)
    errors = {}
    values = dates(payload, date_names, errors)
    if errors:
        return invalid(request, errors)
    values["version"] = "" if payload.version is None else payload.version
    form = bind(payload, values)
    return run(
        request,
        form,
        lambda data: action(request.auth, stay, data),
        lambda _result: stay_out(reloaded(stay)),
    )


@router.post(
    "/stays/{int:stay_id}/move",
    operation_id="vigil_api_quarantine_move",
    response={200: StayOut, **ERRORS},
    summary="Move a stay to another bed or facility",
    description="Recorded as a stay event and on the declaration (`stay_moved`)." + ERRORS_TEXT,
    url_name="quarantine_move",
    openapi_extra=body_doc(MoveIn, {"version": 2, "facility_id": 3, "bed_id": 119}),
)
@api_requires(TAKE_IN)
def move(request, stay_id: int = STAY_PATH):
    def bind(p, data):
        return MoveForm(
            {**data, "facility": p.facility_id or "", "bed": p.bed_id or ""}, user=request.auth
        )

    def action(user, stay, d):
        return services.move(
            user, stay, version=d["version"], facility=d["facility"], bed=d.get("bed")
        )

    return _act(request, stay_id, MoveIn, bind, action)


@router.post(
    "/stays/{int:stay_id}/extend",
    operation_id="vigil_api_quarantine_extend",
    response={200: StayOut, **ERRORS},
    summary="Extend a stay",
    description=(
        "A later planned end with its reason; the declaration's surveillance ends then too "
        "(`stay_extended`)." + ERRORS_TEXT
    ),
    url_name="quarantine_extend",
    openapi_extra=body_doc(
        ExtendIn, {"version": 2, "planned_end": "2021-09-11", "reason": "XN lần 2 dương tính"}
    ),
)
@api_requires(TAKE_IN)
def extend(request, stay_id: int = STAY_PATH):
    def action(user, stay, d):
        return services.extend(
            user, stay, version=d["version"], planned_end=d["planned_end"], reason=d["reason"]
        )

    return _act(
        request,
        stay_id,
        ExtendIn,
        lambda p, data: ExtendForm({**data, "reason": p.reason or ""}),
        action,
        ["planned_end"],
    )


@router.post(
    "/stays/{int:stay_id}/end",
    operation_id="vigil_api_quarantine_end",
    response={200: StayOut, **ERRORS},
    summary="End a stay (HCL)",
    description=(
        "The bed is free at once; the declaration's surveillance ends on `end_date` "
        "(`stay_ended`; `hospital` and `positive` make it a hospital referral). Releasing "
        "someone before the planned end, or as `completed` without a negative test when the "
        "facility asks for one, needs `reason` and `confirm`." + ERRORS_TEXT
    ),
    url_name="quarantine_end",
    openapi_extra=body_doc(
        EndIn, {"version": 3, "end_date": "2021-09-04", "outcome": "completed", "note": ""}
    ),
)
@api_requires(TAKE_IN)
def end(request, stay_id: int = STAY_PATH):
    def bind(p, data):
        texts = {"outcome": p.outcome or "", "note": p.note or "", "reason": p.reason or ""}
        return EndForm({**data, **texts, "confirm": p.confirm})

    def action(user, stay, d):
        return services.end_stay(
            user,
            stay,
            version=d["version"],
            end_date=d["end_date"],
            outcome=d["outcome"],
            note=d["note"],
            reason=d["reason"],
            confirmed=d["confirm"],
        )

    return _act(request, stay_id, EndIn, bind, action, ["end_date"])


@router.post(
    "/stays/{int:stay_id}/delete",
    operation_id="vigil_api_quarantine_delete",
    response={204: None, **ERRORS},
    summary="Delete a stay entered by mistake",
    description=(
        "Only for a stay entered by mistake: the stay is gone, the audit log keeps what it "
        "held and the reason (required)." + ERRORS_TEXT
    ),
    url_name="quarantine_delete",
    openapi_extra=body_doc(DeleteIn, {"reason": "Nhập nhầm người"}),
)
@api_requires(TAKE_IN)
def delete(request, stay_id: int = STAY_PATH):
    stay = scoped_stay(request, stay_id)
    payload = read_body(request, DeleteIn)
    form = DeleteForm({"reason": payload.reason or ""})
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    try:
        services.delete_entered_by_mistake(request.auth, stay, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        return invalid(request, service_errors(exc))
    return Status(204, None)
