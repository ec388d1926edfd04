"""Concentrated quarantine through the API (R-Q2, R-Q3, R-H1, R-N5): the "to
take in" list, intake, and the moves, extensions and ends of a stay with their
history.

Same rules and messages as the pages: the bodies are bound to the pages' own
forms (vigil.quarantine.forms; the new person's declaration to the web's
DeclarationForm through vigil.api.declarations.translate) and the changes go
through the same services (vigil.quarantine.services). Who may act is the
pages' STAY_TASKS (facility managers and CDC; 403 otherwise); the list is for
TO_TAKE_IN_TASKS. A stay outside the caller's scope answers 404 (a facility
manager sees their facility only), a declaration not on the caller's "to take
in" list too.

Each action on a stay sends its `version` as read: 409 `stale` when it changed
since. Intake of a found person with a correction sends the person's
`version`: 409 `stale` on `person.version` when it changed.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from pydantic import create_model

from vigil.api.common import (
    KEYWORD_QUERY,
    LIMIT_QUERY,
    OFFSET_QUERY,
    ErrorOut,
    body_doc,
    enum,
    error,
    identity,
    invalid,
    iso_date,
    page,
    read_body,
    require,
    required_error,
    source,
    stale,
)
from vigil.api.declarations.schemas import DeclarationFields
from vigil.api.declarations.translate import validate as validate_declaration
from vigil.audit.services import stale_message
from vigil.core.scope import get_for_user
from vigil.declarations import questions
from vigil.people.models import Person
from vigil.people.services import StalePerson
from vigil.quarantine import services
from vigil.quarantine.forms import (
    STAY_TASKS,
    EndForm,
    ExtendForm,
    IntakeForm,
    MoveForm,
    PersonCorrectionForm,
    ToTakeInFilterForm,
)
from vigil.quarantine.models import Outcome, Stay
from vigil.quarantine.worklists import TO_TAKE_IN_TASKS, latest_declaration, to_take_in

router = Router(tags=["quarantine"])

ANSWER_KEYS = services.ANSWER_KEYS
# Form field names -> the API's.
API_NAMES = {
    "facility": "facility_id",
    "bed": "bed_id",
    "person": "person_id",
    "declaration": "declaration_id",
    **{key: f"answers.{key}" for key in ANSWER_KEYS},
}
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
ERRORS_TEXT = (
    " Errors: 403 for task groups other than facility managers and CDC; 404 outside the "
    "caller's scope; 409 `stale` when the record changed since its `version` was read; 422 "
    "`invalid` with the messages per field (the pages' messages). Nothing is changed on an "
    "error."
)


def _api_fields(errors, prefix=""):
    out = {}
    for name, messages in errors.items():
        key = API_NAMES.get(name, name)
        out.setdefault(f"{prefix}{key}", []).extend(str(m) for m in messages)
    return out


def _service_errors(exc, prefix=""):
    if hasattr(exc, "error_dict"):
        return _api_fields(exc.message_dict, prefix)
    return {"__all__": exc.messages}


# Output -------------------------------------------------------------------


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


def _stay_out(stay):
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


def _reloaded(stay):
    return Stay.objects.select_related(
        "person", "facility", "bed__room__building", "declaration"
    ).get(pk=stay.pk)


# The "to take in" list ------------------------------------------------------


class ToTakeInItem(Schema):
    id: int = Field(..., description="The declaration's id: send it as `declaration_id`.")
    code: str
    full_name: str
    birth_year: int | None
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    area_code: str
    area_name: str
    arrival_date: datetime.date
    risk_colour: str
    decided_at: datetime.datetime = Field(..., description="When CDC decided.")
    surveillance_start: datetime.date | None
    surveillance_end: datetime.date | None
    answers: dict[str, bool] = Field(..., description="The declaration's exposure/symptom answers.")
    version: int


class ToTakeInOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[ToTakeInItem]


def _waiting(d):
    return {
        "id": d.pk,
        "code": d.code,
        "full_name": d.person.full_name,
        "birth_year": d.person.birth_year,
        **identity(d.person, False),
        "area_code": d.area.code,
        "area_name": d.area.name,
        "arrival_date": d.arrival_date,
        "risk_colour": d.risk_colour,
        "decided_at": d.decided_at,
        "surveillance_start": d.surveillance_start,
        "surveillance_end": d.surveillance_end,
        "answers": {key: getattr(d, key) for key in ANSWER_KEYS},
        "version": d.version,
    }


@router.get(
    "/to-take-in",
    operation_id="vigil_api_quarantine_to_take_in",
    response={200: ToTakeInOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="People CDC sent to concentrated quarantine, not taken in yet",
    description=(
        '"To take in" (R-H1): declarations of the caller\'s reach whose CDC decision is '
        "concentrated quarantine and whose person no facility has taken in since (no open "
        "stay, no stay started on or after the day of the decision), oldest decision first. "
        "A facility manager's reach is the district of their facility. Filters: "
        "`district_id`, `facility_id` (the people of that facility's district), `q`. For "
        "facility managers, CDC and the operations centre (403 otherwise)."
    ),
    url_name="quarantine_to_take_in",
)
def to_take_in_list(
    request,
    district_id: int | None = Query(None, description="Id of a district.", example=474),
    facility_id: int | None = Query(None, description="Id of a facility.", example=3),
    q: str | None = KEYWORD_QUERY,
    limit: int = LIMIT_QUERY,
    offset: int = OFFSET_QUERY,
):
    user = request.auth
    require(user, TO_TAKE_IN_TASKS)
    form = ToTakeInFilterForm(
        {"district": district_id or "", "facility": facility_id or "", "q": q or ""}, user=user
    )
    if not form.is_valid():
        return invalid(request, _api_fields(form.errors))
    qs = form.filter_qs(to_take_in(user)).select_related("person", "area")
    return page(qs, limit, offset, _waiting)


# Intake -------------------------------------------------------------------


IntakeAnswersIn = create_model(
    "IntakeAnswersIn",
    __base__=Schema,
    __doc__="The exposure and symptom questions; each must be answered true or false.",
    **{
        key: (bool | None, Field(None, description=source(label)))
        for key, label in questions.EXPOSURES + questions.SYMPTOMS
    },
)


class CorrectionIn(Schema):
    version: int | None = Field(None, description="The person's `version`. Required.")
    full_name: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    id_kind: str | None = None
    id_number: str | None = Field(None, description="Empty or absent: keep the recorded one.")
    phone: str | None = Field(None, description="Empty or absent: keep the recorded one.")
    occupation: str | None = None


class IntakeIn(Schema):
    declaration_id: int | None = Field(
        None, description='A declaration of the caller\'s "to take in" list.'
    )
    person_id: int | None = Field(None, description="A person of the caller's reach.")
    new_person: DeclarationFields | None = Field(
        None,
        description=(
            "Nobody found: the person's full declaration (as POST /declarations/staff), "
            "recorded through the quarantine-intake channel; its answers are the intake's."
        ),
    )
    facility_id: int | None = Field(None, description="Required.")
    bed_id: int | None = Field(None, description="Required when the facility has beds.")
    start_date: str | None = Field(None, description="YYYY-MM-DD, not in the future. Required.")
    planned_end: str | None = Field(
        None, description="YYYY-MM-DD; empty: the facility's quarantine days."
    )
    answers: IntakeAnswersIn | None = Field(  # type: ignore[valid-type]
        None, description="Required with `declaration_id` or `person_id`."
    )
    person: CorrectionIn | None = Field(
        None, description="Corrections of a found person's identity, recorded before → after."
    )


EXAMPLE_INTAKE = {
    "declaration_id": 42,
    "facility_id": 3,
    "bed_id": 118,
    "start_date": "2021-08-21",
    "answers": {key: key == "sym_cough" for key in ANSWER_KEYS},
    "person": {"version": 1, "full_name": "Nguyễn Văn An", "birth_year": 1991},
}


def _one_or_404(queryset, pk):
    """One row of an already narrowed queryset, else 404 (as `get_for_user`)."""
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


@router.post(
    "/intake",
    operation_id="vigil_api_quarantine_intake",
    response={201: StayOut, **ERRORS},
    summary="Take a person into a facility",
    description=(
        'Intake (R-Q2) of exactly one of: `declaration_id` (from the "to take in" list), '
        "`person_id` (a person of the caller's reach), or `new_person` (their full "
        "declaration). Facility, bed, start date and, for a known person, every exposure "
        "and symptom question answered (nothing is assumed). `person` corrects a known "
        "person's identity. Intake closes the declaration's pending verification "
        "(`verified_by_intake`) and sets its surveillance to concentrated quarantine with "
        "the stay's dates." + ERRORS_TEXT
    ),
    url_name="quarantine_intake",
    openapi_extra=body_doc(IntakeIn, EXAMPLE_INTAKE),
)
def intake(request):
    user = request.auth
    require(user, STAY_TASKS)
    payload = read_body(request, IntakeIn)
    errors = {}
    chosen = [n for n in ("declaration_id", "person_id", "new_person") if getattr(payload, n)]
    if len(chosen) != 1:
        message = _("Send exactly one of declaration_id, person_id or new_person.")
        return invalid(request, {"__all__": [message]})
    declaration = person = None
    if payload.declaration_id:
        declaration = _one_or_404(to_take_in(user).select_related("person"), payload.declaration_id)
        person = declaration.person
    elif payload.person_id:
        # The caller's intake reach: their scope; a facility's district.
        person = _one_or_404(
            Person.objects.in_intake_reach(user).select_related("area"), payload.person_id
        )
    start = iso_date(payload.start_date, "start_date", errors)
    end = iso_date(payload.planned_end, "planned_end", errors)
    data = {
        "facility": payload.facility_id or "",
        "bed": payload.bed_id or "",
        "start_date": start or "",
        "planned_end": end or "",
    }
    with_answers = payload.new_person is None
    if with_answers:
        answers = payload.answers
        for key in ANSWER_KEYS:
            value = getattr(answers, key, None) if answers is not None else None
            data[key] = "" if value is None else ("1" if value else "0")
    form = IntakeForm(data, user=user, with_answers=with_answers)
    if not form.is_valid():
        errors.update({k: v for k, v in _api_fields(form.errors).items() if k not in errors})
    kwargs = {}
    if payload.new_person is not None:
        declaration_form, fields, _relation = validate_declaration(payload.new_person)
        errors.update({f"new_person.{k}": v for k, v in fields.items()})
        if not fields:
            kwargs["new_declaration"] = (
                declaration_form.identity(),
                declaration_form.declaration_data(),
            )
    else:
        correction = _correction(payload.person, person, errors)
        kwargs.update(person=person, correction=correction)
        if declaration is None:
            declaration = latest_declaration(user, person)
        kwargs["declaration"] = declaration
    if errors:
        return invalid(request, errors)
    if with_answers:
        kwargs["answers"] = form.answers()
    try:
        stay = services.admit(user, **form.stay_values(), request=request, **kwargs)
    except StalePerson as exc:
        message = stale_message(exc.current)
        return error(request, 409, "stale", message, {"person.version": [message]})
    except ValidationError as exc:
        return invalid(request, _service_errors(exc))
    return Status(201, _stay_out(_reloaded(stay)))


def _correction(body, person, errors):
    """(version, {field: value}) of a found person's correction, or None."""
    if body is None:
        return None
    if body.version is None:
        errors["person.version"] = [required_error()]
        return None
    sent = body.model_dump(exclude_none=True)
    data = {
        **{n: getattr(person, n) for n in PersonCorrectionForm.FIELDS},
        "id_number": "",
        "phone": "",
        **sent,
    }
    data = {k: "" if v is None else v for k, v in data.items()}
    form = PersonCorrectionForm(data, person=person)
    if not form.is_valid():
        errors.update(_api_fields(form.errors, "person."))
        return None
    changes = form.changes()
    return (body.version, changes) if changes else None


# One stay -----------------------------------------------------------------


STAY_PATH = Path(..., description="The stay's `id`.", example=7)


def _stay(request, stay_id):
    return get_for_user(
        Stay.objects.select_related("person", "facility", "bed__room__building", "declaration"),
        request.auth,
        pk=stay_id,
    )


@router.get(
    "/stays/{int:stay_id}",
    operation_id="vigil_api_quarantine_stay",
    response={200: StayOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="One stay",
    url_name="quarantine_stay",
)
def stay_detail(request, stay_id: int = STAY_PATH):
    from vigil.core.modules import STAFF

    require(request.auth, STAFF)
    return _stay_out(_stay(request, stay_id))


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
    response={200: list[StayEventOut], 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="The history of a stay: intake, moves, extensions, end",
    url_name="quarantine_stay_events",
)
def stay_events(request, stay_id: int = STAY_PATH):
    from vigil.core.modules import STAFF

    require(request.auth, STAFF)
    stay = _stay(request, stay_id)
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


def _act(request, stay, form, action):
    """Bind the page's form, run the page's service; the answer or the error."""
    if not form.is_valid():
        return invalid(request, _api_fields(form.errors))
    try:
        action(form.cleaned_data)
    except services.StaleStay as exc:
        return stale(request, stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, _service_errors(exc))
    return Status(200, _stay_out(_reloaded(stay)))


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


def _stay_input(request, stay_id, schema):
    """The stay of an action (404 outside the caller's scope) and its body."""
    require(request.auth, STAY_TASKS)
    return _stay(request, stay_id), read_body(request, schema)


def _dates(payload, names, errors):
    return {name: iso_date(getattr(payload, name), name, errors) or "" for name in names}


@router.post(
    "/stays/{int:stay_id}/move",
    operation_id="vigil_api_quarantine_move",
    response={200: StayOut, **ERRORS},
    summary="Move a stay to another bed or facility",
    description="Recorded as a stay event and on the declaration (`stay_moved`)." + ERRORS_TEXT,
    url_name="quarantine_move",
    openapi_extra=body_doc(MoveIn, {"version": 2, "facility_id": 3, "bed_id": 119}),
)
def move(request, stay_id: int = STAY_PATH):
    stay, payload = _stay_input(request, stay_id, MoveIn)
    form = MoveForm(
        {
            "version": payload.version if payload.version is not None else "",
            "facility": payload.facility_id or "",
            "bed": payload.bed_id or "",
        },
        user=request.auth,
    )
    return _act(
        request,
        stay,
        form,
        lambda d: services.move(
            request.auth, stay, version=d["version"], facility=d["facility"], bed=d.get("bed")
        ),
    )


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
def extend(request, stay_id: int = STAY_PATH):
    stay, payload = _stay_input(request, stay_id, ExtendIn)
    errors = {}
    data = {
        "version": payload.version if payload.version is not None else "",
        "reason": payload.reason or "",
        **_dates(payload, ["planned_end"], errors),
    }
    if errors:
        return invalid(request, errors)
    return _act(
        request,
        stay,
        ExtendForm(data),
        lambda d: services.extend(
            request.auth,
            stay,
            version=d["version"],
            planned_end=d["planned_end"],
            reason=d["reason"],
        ),
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
def end(request, stay_id: int = STAY_PATH):
    stay, payload = _stay_input(request, stay_id, EndIn)
    errors = {}
    data = {
        "version": payload.version if payload.version is not None else "",
        "outcome": payload.outcome or "",
        "note": payload.note or "",
        "reason": payload.reason or "",
        "confirm": payload.confirm,
        **_dates(payload, ["end_date"], errors),
    }
    if errors:
        return invalid(request, errors)
    return _act(
        request,
        stay,
        EndForm(data),
        lambda d: services.end_stay(
            request.auth,
            stay,
            version=d["version"],
            end_date=d["end_date"],
            outcome=d["outcome"],
            note=d["note"],
            reason=d["reason"],
            confirmed=d["confirm"],
        ),
    )
