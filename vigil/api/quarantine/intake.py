"""The "to take in" list and intake (R-Q2, R-H1): who CDC sent to concentrated
quarantine and is not taken in yet, and taking a person into a facility.

The bodies are bound to the pages' own forms (vigil.quarantine.forms; a new
person's declaration to the web's DeclarationForm through
vigil.api.declarations.translate) and intake goes through
vigil.quarantine.services.admit. A declaration not on the caller's "to take
in" list answers 404, a person outside the caller's intake reach too.
"""

import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from pydantic import create_model

from vigil.api.common import (
    FILTERS,
    QUEUE_ERRORS,
    KeywordQuery,
    PageOut,
    PageQuery,
    arrival_item,
    body_doc,
    error,
    invalid,
    iso_date,
    page,
    read_body,
    required_error,
    source,
)
from vigil.api.declarations.schemas import DeclarationFields
from vigil.api.declarations.translate import validate as validate_declaration
from vigil.api.quarantine import router
from vigil.api.quarantine.shared import (
    ANSWER_KEYS,
    ERRORS,
    ERRORS_TEXT,
    StayOut,
    api_fields,
    reloaded,
    service_errors,
    stay_out,
)
from vigil.audit.services import stale_message
from vigil.core.paging import capped_count
from vigil.core.permissions import FOLLOW_TAKE_IN, TAKE_IN, api_requires
from vigil.declarations import questions
from vigil.people.models import Person
from vigil.people.services import StalePerson
from vigil.quarantine import services
from vigil.quarantine.forms import IntakeForm, PersonCorrectionForm, ToTakeInFilterForm
from vigil.quarantine.worklists import latest_declaration, sent_by_case_tracing, to_take_in

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


class ToTakeInOut(PageOut):
    capped: bool = Field(
        False,
        description="More than VIGIL_LIST_COUNT_CAP (10,000) match: `total` is the cap "
        "(“10.000+”).",
    )
    items: list[ToTakeInItem]


def _waiting(d):
    return {
        **arrival_item(d),
        "decided_at": d.decided_at or d.created_at,
        "surveillance_start": d.surveillance_start,
        "surveillance_end": d.surveillance_end,
        "answers": {key: getattr(d, key) for key in ANSWER_KEYS},
    }


@router.get(
    "/to-take-in",
    operation_id="vigil_api_quarantine_to_take_in",
    response={200: ToTakeInOut, **QUEUE_ERRORS},
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
@api_requires(FOLLOW_TAKE_IN)
def to_take_in_list(
    request,
    filters: KeywordQuery = FILTERS,
    district_id: int | None = Query(None, description="Id of a district.", example=474),
    facility_id: int | None = Query(None, description="Id of a facility.", example=3),
):
    user = request.auth
    form = ToTakeInFilterForm(
        {"district": district_id or "", "facility": facility_id or "", "q": filters.q or ""},
        user=user,
    )
    if not form.is_valid():
        return invalid(request, api_fields(form.errors))
    qs = form.filter_qs(to_take_in(user))
    # Counted up to the cap, as the page counts.
    total, capped = capped_count(qs)
    return {**page(qs.select_related("person", "area"), filters, _waiting, total=total),
            "capped": capped}  # fmt: skip


class SentItem(Schema):
    person_id: int = Field(..., description="The person's id: send it as `person_id` to intake.")
    full_name: str
    birth_year: int | None
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    area_code: str
    area_name: str
    case_code: str = Field(..., description="The case code, empty for a contact.")
    level: int | None = Field(..., description="0 for F0, 1 for F1...; null when unknown.")
    facility_name: str
    sent_at: datetime.datetime


class SentOut(PageOut):
    items: list[SentItem]


def _sent(p):
    return {
        "person_id": p.pk,
        "full_name": p.full_name,
        "birth_year": p.birth_year,
        "id_number": p.masked_id_number,
        "phone": p.masked_phone,
        "area_code": p.area.code,
        "area_name": p.area.name,
        "case_code": p.case_code or "",
        "level": p.case_level,
        "facility_name": p.sent_facility or "",
        "sent_at": p.sent_at,
    }


@router.get(
    "/to-take-in/sent-by-case-tracing",
    operation_id="vigil_api_quarantine_sent_by_case_tracing",
    response={200: SentOut, **QUEUE_ERRORS},
    summary="People case tracing sent to a facility, not taken in yet",
    description=(
        'The second part of "to take in": people whose case record (epidemiological '
        "investigation) names a facility of the caller's reach (a facility manager: their "
        "own facility) and who were not taken in on or after the day they were sent, "
        "oldest first. Take them in with `person_id`. For facility managers, CDC and the "
        "operations centre (403 otherwise)."
    ),
    url_name="quarantine_sent_by_case_tracing",
)
@api_requires(FOLLOW_TAKE_IN)
def sent_by_case_tracing_list(request, filters: PageQuery = FILTERS):
    qs = sent_by_case_tracing(request.auth).select_related("area")
    return page(qs, filters, _sent)


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
@api_requires(TAKE_IN)
def intake(request):
    user = request.auth
    payload = read_body(request, IntakeIn)
    chosen = [n for n in ("declaration_id", "person_id", "new_person") if getattr(payload, n)]
    if len(chosen) != 1:
        message = _("Send exactly one of declaration_id, person_id or new_person.")
        return invalid(request, {"__all__": [message]})
    declaration, person = _intake_subject(user, payload)
    errors = {}
    form = _intake_form(user, payload, errors)
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
        declaration = declaration or latest_declaration(user, person)
        kwargs.update(person=person, correction=correction, declaration=declaration)
    if errors:
        return invalid(request, errors)
    if payload.new_person is None:
        kwargs["answers"] = form.answers()
    try:
        stay = services.admit(user, **form.stay_values(), request=request, **kwargs)
    except StalePerson as exc:
        message = stale_message(exc.current)
        return error(request, 409, "stale", message, {"person.version": [message]})
    except ValidationError as exc:
        return invalid(request, service_errors(exc))
    return Status(201, stay_out(reloaded(stay)))


def _intake_subject(user, payload):
    """(declaration, person) named by the body, each inside the caller's reach (404)."""
    if payload.declaration_id:
        declaration = _one_or_404(to_take_in(user).select_related("person"), payload.declaration_id)
        return declaration, declaration.person
    if payload.person_id:
        # The caller's intake reach: their scope; a facility's district.
        person = _one_or_404(
            Person.objects.in_intake_reach(user).select_related("area"), payload.person_id
        )
        return None, person
    return None, None


def _intake_form(user, payload, errors):
    """The page's IntakeForm bound to the body; its errors go to `errors`."""
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
        errors.update({k: v for k, v in api_fields(form.errors).items() if k not in errors})
    return form


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
        errors.update(api_fields(form.errors, "person."))
        return None
    changes = form.changes()
    return (body.version, changes) if changes else None
