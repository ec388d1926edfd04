"""Verification of arrivals at the home commune through the API (R-V1..R-V5, R-N5).

Staff (the API's default auth: personal token or browser session) read the
queue of online declarations waiting for verification in their jurisdiction and
record the outcome of each: returned to the locality with a surveillance type,
could not verify, or transferred to the right commune (registrations to return
are decided in vigil.api.registrations). Every action goes through
vigil.verification.services,
so the API refuses exactly what the pages refuse.

Who may act is what the pages allow, with their own definitions (imported from
vigil.verification.queues, not restated here): the verifying task groups record
outcomes on any declaration of their jurisdiction; a school account only on its
own students (`for_user`: registrations of kind student naming the account's
work unit as the school), every other declaration answering 404 to it as on the
verify page.

Each action sends the `version` of the declaration as it was read: when someone
changed it since, nothing is saved and the answer is 409 `stale`; when the
declaration was already verified (or decided), 409 `already_handled`.

The body of an action is read by the view itself (`read_body`), after the
declaration was found in the caller's jurisdiction: parsed by ninja before the
view, a malformed or empty body would answer 400 or 422 where a declaration
outside the jurisdiction must answer 404. Every field is optional to the schema;
the view names the missing ones, and the service judges the values, with the
messages the pages show.

The helpers it shares with the triage router (state output, error mapping,
body reading, dates, queue filters) are in vigil.api.common.
"""

import datetime

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from vigil.api.common import (
    DECLARATION_PATH,
    EXAMPLE_ARRIVAL,
    EXAMPLE_STATE,
    FILTERS,
    NOTE_MAX,
    PAGE_MAX,
    QUEUE_ERRORS,
    READ_ERRORS,
    STATE_ERRORS,
    VERSION_FIELD,
    DeclarationStateOut,
    PageOut,
    QueueQuery,
    action_input,
    arrival_item,
    choice,
    common_filters,
    date_field,
    examples,
    invalid,
    list_queryset,
    one_of,
    page,
    page_example,
    required_error,
    response_example,
    run_action,
    scoped,
    surveillance_field,
    surveillance_values,
    text,
)
from vigil.areas.models import AdminUnit
from vigil.audit.services import Action, log
from vigil.core.paging import capped_count
from vigil.core.permissions import DECIDE_PROPOSED_COLOUR as DECIDE_COLOUR
from vigil.core.permissions import (
    READ_DECLARATIONS,
    REVIEW_AMENDMENT,
    VERIFY,
    VERIFY_STUDENTS,
    api_requires,
    get,
    may,
)
from vigil.declarations.models import (
    ONLINE_CHANNELS,
    DeclarationEvent,
    RegistrationKind,
    RiskColour,
    VerificationState,
)
from vigil.declarations.transitions import review_amendment
from vigil.verification import services
from vigil.verification.queues import for_user

router = Router(tags=["verification"])

ERRORS_TEXT = (
    " Errors: 403 when the caller's task groups do not allow the action; 404 outside "
    "the caller's jurisdiction; 409 `stale` when the declaration changed since `version` "
    "was read (read it again); 409 `already_handled` when its state no longer allows the "
    "action; 422 `invalid` with the messages per field. Nothing is changed on an error."
)


def task_list(tasks):
    return ", ".join(f"`{task}`" for task in tasks)


# The task groups that verify only their own students: school accounts.
VERIFIER_TASKS = get(VERIFY).tasks
SCHOOL_TASKS = tuple(t for t in get(VERIFY_STUDENTS).tasks if t not in VERIFIER_TASKS)
OUTCOME_CALLERS = (
    f" Who may act: the verifying task groups ({task_list(VERIFIER_TASKS)}) on any declaration "
    f"of their jurisdiction; a school account ({task_list(SCHOOL_TASKS)}) only on its own "
    "students, registrations of kind `student` whose school is the account's work unit: any "
    "other declaration answers 404 to it."
)


# The queue ----------------------------------------------------------------


class QueueItemOut(Schema):
    id: int
    code: str
    full_name: str
    id_number: str = Field(..., description="Masked; the declaration itself shows it whole.")
    phone: str = Field(..., description="Masked.")
    birth_year: int | None
    registration_kind: str
    student_code: str
    school: str
    channel: str
    area_code: str
    area_name: str
    address: str
    departure: str = Field(..., description="Departure unit, or country and place abroad.")
    arrival_date: datetime.date
    created_at: datetime.datetime
    verification_state: str
    approval_state: str
    risk_colour: str
    risk_level: int
    amended_after_decision: bool
    proposed_colour: str = Field(..., description="A lower colour waiting for CDC's decision.")
    version: int


class QueueOut(PageOut):
    capped: bool = Field(
        False,
        description="True when more than VIGIL_LIST_COUNT_CAP (10,000) declarations match: "
        "`total` is then the cap (the page shows “10.000+”); narrow the filters to count "
        "them all.",
    )
    items: list[QueueItemOut]


def _departure(declaration):
    if declaration.departure_unit is not None:
        return declaration.departure_unit.name
    country = declaration.departure_country
    place = declaration.departure_place
    return f"{country.name} – {place}" if place else country.name


def _queue_item(d):
    return {
        **arrival_item(d),
        "registration_kind": d.registration_kind,
        "student_code": d.student_code,
        "school": d.school,
        "channel": d.channel,
        "address": d.address,
        "departure": _departure(d),
        "created_at": d.created_at,
        "verification_state": d.verification_state,
        "approval_state": d.approval_state,
        "risk_level": d.risk_level,
        "amended_after_decision": d.amended_after_decision,
        "proposed_colour": d.proposed_colour,
    }


AMENDED = "amended"
QUEUE_STATES = (
    (VerificationState.PENDING, VerificationState.PENDING.label),
    (VerificationState.FAILED, VerificationState.FAILED.label),
    (AMENDED, "Amended by the citizen after verification, not yet reviewed"),
)
ONLINE = [(c.value, c.label) for c in ONLINE_CHANNELS]


QUEUE_EXAMPLE = {
    **EXAMPLE_ARRIVAL,
    "registration_kind": "return_home",
    "student_code": "",
    "school": "",
    "channel": "app",
    "area_code": "19789",
    "area_name": "Phường Phú Nhuận",
    "address": "12 Nguyễn Huệ",
    "departure": "Phường Phúc Xá",
    "arrival_date": "2021-08-20",
    "created_at": "2021-08-20T08:15:00+07:00",
    "verification_state": "pending",
    "approval_state": "",
    "risk_colour": "yellow",
    "risk_level": 1,
    "version": 1,
}


@router.get(
    "/queue",
    response={200: QueueOut, **QUEUE_ERRORS},
    summary="Arrivals waiting for verification",
    description=(
        "Online declarations (app and public web) of the caller's jurisdiction that are not "
        "verified yet (R-V1), oldest first. `state=failed` lists those that could not be "
        "verified instead, for the competent authority (R-V3). Filters: `district_code`, "
        "`commune_code`, `registration_kind` (e.g. `student`, `medical` for the special "
        "queues), `channel`, `risk_colour`, `q` (name words, ID number, phone or code), and "
        "a date range `date_from`..`date_to` (YYYY-MM-DD) on the date of declaration or, "
        "with `date_on=arrival`, of arrival. `total` counts every match up to 10,000 "
        "(`capped`: more than that); page with `limit` "
        f"(at most {PAGE_MAX}) and `offset`. ID numbers and phones are masked. The verifying "
        "task groups read it; school accounts read /verification/students."
    ),
    url_name="verification_queue",
    openapi_extra=page_example(QUEUE_EXAMPLE),
)
@api_requires(VERIFY)
def queue(
    request,
    filters: QueueQuery = FILTERS,
    state: str = Query(
        "pending",
        description="`pending`, `failed`, or `amended` (amended by the citizen after staff "
        "decided, until someone reviews it).",
        example="pending",
    ),
    registration_kind: str | None = Query(
        None, description=one_of(RegistrationKind.choices), example="student"
    ),
    channel: str | None = Query(None, description=one_of(ONLINE), example="app"),
    risk_colour: str | None = Query(None, description=one_of(RiskColour.choices), example="red"),
):
    return _queue(request, filters, state, registration_kind, channel, risk_colour)


@router.get(
    "/students",
    response={200: QueueOut, **QUEUE_ERRORS},
    summary="Students returning to study, waiting for verification",
    description=(
        '"Xác minh sinh viên về học": the queue above narrowed to registrations of kind '
        "`student` still waiting (the page /verification/students/). The verifying task "
        f"groups read it, and school accounts ({task_list(SCHOOL_TASKS)}), which see only "
        "their own students: those whose school is the account's work unit. Same filters."
    ),
    url_name="verification_students",
    openapi_extra=page_example(QUEUE_EXAMPLE),
)
@api_requires(VERIFY_STUDENTS)
def students(
    request,
    filters: QueueQuery = FILTERS,
    channel: str | None = Query(None, description=one_of(ONLINE), example="app"),
    risk_colour: str | None = Query(None, description=one_of(RiskColour.choices), example="red"),
):
    return _queue(request, filters, "pending", RegistrationKind.STUDENT, channel, risk_colour)


def _queue(request, filters, state, registration_kind, channel, risk_colour):
    errors = {}
    state = choice(state, QUEUE_STATES, "state", errors) or VerificationState.PENDING
    where = {
        "registration_kind": choice(
            registration_kind, RegistrationKind.choices, "registration_kind", errors
        ),
        "channel": choice(channel, ONLINE, "channel", errors),
        "risk_colour": choice(risk_colour, RiskColour.choices, "risk_colour", errors),
    }
    # The pages' queues, named once on the queryset (pending, failed, amended).
    qs = for_user(list_queryset(request.auth), request.auth).verification_queue(state)
    qs = common_filters(qs, errors, filters).filter(**{k: v for k, v in where.items() if v})
    if errors:
        return invalid(request, errors)
    # Counted up to the cap, as the pages count; the page's ids first, then its rows.
    total, capped = capped_count(qs)
    result = page(qs.order_by("created_at", "id").values_list("pk", flat=True), filters,
                  lambda pk: pk, total=total)  # fmt: skip
    rows = list_queryset(request.auth).filter(pk__in=result["items"]).in_bulk()
    items = [_queue_item(rows[pk]) for pk in result["items"] if pk in rows]
    return {**result, "items": items, "capped": capped}


# Actions ------------------------------------------------------------------


class ReturnedIn(Schema):
    version: int | None = VERSION_FIELD
    surveillance: str | None = surveillance_field()
    start: str | None = date_field("YYYY-MM-DD: surveillance from.")
    end: str | None = date_field("YYYY-MM-DD: surveillance until; not before `start`.")
    note: str | None = Field("", description=f"At most {NOTE_MAX} characters.")
    override_reason: str | None = Field(
        "",
        description=(
            "When CDC already decided the surveillance type: required to choose another "
            "one, which only CDC and leaders may do; recorded as an override."
        ),
    )


class FailedIn(Schema):
    version: int | None = VERSION_FIELD
    reason: str | None = Field(None, description="Why the person could not be verified. Required.")


class TransferIn(Schema):
    version: int | None = VERSION_FIELD
    target_commune_code: str | None = Field(
        None,
        description=(
            "Code of the commune of the province the person actually went to "
            "(GET /api/v1/areas/units). Required."
        ),
    )
    note: str | None = ""


@router.post(
    "/{int:declaration_id}/returned",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Verified: the person returned to the locality",
    description=(
        '"Đã về địa phương" (R-V2): the staff met the person at home. A surveillance type '
        "is required, with the dates it applies (`start`, `end`, YYYY-MM-DD). Only a "
        "declaration waiting for verification can be verified. The change is recorded in "
        "the declaration's history." + OUTCOME_CALLERS + ERRORS_TEXT
    ),
    url_name="verification_returned",
    openapi_extra=examples(
        {
            "version": 2,
            "surveillance": "home_quarantine",
            "start": "2021-08-21",
            "end": "2021-09-03",
            "note": "Đã gặp tại nhà.",
        },
        EXAMPLE_STATE,
        schema=ReturnedIn,
    ),
)
@api_requires(VERIFY_STUDENTS)
def returned(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(
        request, declaration_id, ReturnedIn, narrow=for_user
    )
    values = surveillance_values(payload, errors)
    values["override_reason"] = text(payload.override_reason, "override_reason", errors)
    if errors:
        return invalid(request, errors)
    return run_action(
        request, services.verify_returned, declaration, version=payload.version, **values
    )


@router.post(
    "/{int:declaration_id}/failed",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Could not verify",
    description=(
        '"Không xác minh được" (R-V2): the declaration leaves the queue for the list of '
        "failed verifications (GET /queue?state=failed). The reason is required."
        + OUTCOME_CALLERS
        + ERRORS_TEXT
    ),
    url_name="verification_failed",
    openapi_extra=examples(
        {"version": 2, "reason": "Không có ở địa chỉ đã khai, không liên lạc được."},
        {**EXAMPLE_STATE, "verification_state": "failed", "surveillance": ""},
        schema=FailedIn,
    ),
)
@api_requires(VERIFY_STUDENTS)
def failed(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(request, declaration_id, FailedIn, narrow=for_user)
    reason = text(payload.reason, "reason", errors)
    if errors:
        return invalid(request, errors)
    return run_action(
        request, services.verify_failed, declaration, version=payload.version, reason=reason
    )


@router.post(
    "/{int:declaration_id}/transfer",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Transfer to another commune",
    description=(
        '"Chuyển địa bàn" (R-V2): the person lives in another commune of the province. The '
        "declaration moves to that commune's queue, still waiting for verification, and "
        "leaves the caller's: when the new commune is outside the caller's jurisdiction, "
        "the declaration answers 404 to the caller from then on." + OUTCOME_CALLERS + ERRORS_TEXT
    ),
    url_name="verification_transfer",
    openapi_extra=examples(
        {"version": 2, "target_commune_code": "19777", "note": "Ở với con tại Vĩnh Ninh."},
        {
            **EXAMPLE_STATE,
            "verification_state": "pending",
            "surveillance": "",
            "surveillance_start": None,
            "surveillance_end": None,
            "area_code": "19777",
            "area_name": "Phường Vĩnh Ninh",
        },
        schema=TransferIn,
    ),
)
@api_requires(VERIFY_STUDENTS)
def transfer(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(
        request, declaration_id, TransferIn, narrow=for_user
    )
    code = (payload.target_commune_code or "").strip()
    if not code:
        errors["target_commune_code"] = [required_error()]
    note = text(payload.note, "note", errors)
    if not note and "note" not in errors:
        errors["note"] = [required_error()]  # the reason for the transfer
    if errors:
        return invalid(request, errors)
    # An unknown code goes to the service as None: it says what is expected.
    target = AdminUnit.objects.active_tree().filter(code=code).first()
    return run_action(
        request,
        services.transfer,
        declaration,
        version=payload.version,
        target=target,
        note=note,
    )


# History ------------------------------------------------------------------


class EventOut(Schema):
    at: datetime.datetime
    actor: str | None = Field(..., description="Username; null for the system.")
    action: str
    label: str
    from_state: str
    to_state: str
    from_area_code: str | None = Field(..., description="Set on a transfer.")
    to_area_code: str | None
    note: str
    changes: list[list] = Field(
        [], description="An amendment's changed fields: [field, before, after], ..."
    )


@router.get(
    "/{int:declaration_id}/history",
    response={200: list[EventOut], **READ_ERRORS},
    summary="Every change of state of a declaration",
    description=(
        "Who changed what, when, from which state to which, and why (R-V5): verifications, "
        "transfers (with the communes) and medical verifications, oldest first. "
        "404 outside the caller's jurisdiction. Each read is logged in the audit trail."
    ),
    url_name="verification_history",
    openapi_extra=response_example(
        [
            {
                "at": "2021-08-21T09:30:00+07:00",
                "actor": "community.phunhuan",
                "action": "verify_returned",
                "label": "Verified: returned to the locality",
                "from_state": "pending",
                "to_state": "returned",
                "from_area_code": None,
                "to_area_code": None,
                "note": "Đã gặp tại nhà.",
            }
        ]
    ),
)
@api_requires(READ_DECLARATIONS)
def history(request, declaration_id: int = DECLARATION_PATH):
    declaration = scoped(request, declaration_id)
    events = DeclarationEvent.objects.filter(declaration=declaration).select_related(
        "actor", "from_area", "to_area"
    )
    log(request, Action.VIEW, declaration, detail={"history": True, "via": "api"})
    return [
        {
            "at": e.at,
            "actor": e.actor.username if e.actor else None,
            "action": e.action,
            "label": str(e.label),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "from_area_code": e.from_area.code if e.from_area else None,
            "to_area_code": e.to_area.code if e.to_area else None,
            "note": e.note,
            "changes": [list(change) for change in e.changed_fields()],
        }
        for e in events
    ]


# Amendments after a decision ----------------------------------------------


PROPOSALS = (("accept", "accept"), ("keep", "keep"))


class ReviewIn(Schema):
    version: int | None = VERSION_FIELD
    proposal: str | None = Field(
        None,
        description=(
            "CDC only, when the rules proposed a lower colour after the citizen's "
            "amendment: `accept` applies it, `keep` keeps the current colour."
        ),
    )
    note: str | None = ""


@router.post(
    "/{int:declaration_id}/review",
    response={200: DeclarationStateOut, **STATE_ERRORS},
    summary="Review a citizen's amendment made after staff decided",
    description=(
        "Clears the mark “amended after verification” (GET /queue?state=amended); the "
        "changes themselves are in the history. Verifiers and CDC may review; only CDC "
        "decides a proposed lower colour (`proposal`)." + ERRORS_TEXT
    ),
    url_name="verification_review",
    openapi_extra=examples({"version": 4, "proposal": "keep"}, EXAMPLE_STATE, schema=ReviewIn),
)
@api_requires(REVIEW_AMENDMENT)
def review(request, declaration_id: int = DECLARATION_PATH):
    declaration, payload, errors = action_input(request, declaration_id, ReviewIn)
    proposal = choice(payload.proposal, PROPOSALS, "proposal", errors)
    note = text(payload.note, "note", errors)
    if errors:
        return invalid(request, errors)
    if proposal and not may(request.auth, DECIDE_COLOUR):
        raise PermissionDenied
    return run_action(
        request,
        review_amendment,
        declaration,
        version=payload.version,
        accept_proposal={"accept": True, "keep": False}.get(proposal),
        note=note,
    )
