"""Cases and contacts over the API (R-E1, R-E4): the list with the page's
filters, one record, create, update, delete, confirm as F0, send to a
facility, the sources of a contact, the "reclassified" worklist and the chain
checks. Bodies are bound to the page's forms (vigil.investigation.forms) and
every change goes through vigil.investigation.services."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Schema, Status

from vigil.api.common import (
    FILTERS,
    QUEUE_ERRORS,
    READ_ERRORS,
    ErrorOut,
    PageQuery,
    body_doc,
    invalid,
    iso_date,
    page,
    read_body,
    required_error,
    service_fields,
    stale,
)
from vigil.api.investigation import router
from vigil.api.investigation.case_schemas import (
    CASE_EXAMPLE,
    CaseIn,
    CaseListOut,
    CaseOut,
    SourceIn,
    case_out,
    current_data,
    form_data,
)
from vigil.audit.services import Action, log
from vigil.core.paging import capped_count
from vigil.core.permissions import CONFIRM_CASE, DELETE_CASE, EDIT_CASES, READ_CASES, api_requires
from vigil.core.scope import get_for_user
from vigil.investigation import chain, services
from vigil.investigation import worklists as queues
from vigil.investigation.entry import create_with_person
from vigil.investigation.filters import CaseFilterForm, with_tests
from vigil.investigation.forms import CaseForm, SendForm
from vigil.investigation.models import Case, CaseKind
from vigil.people.models import Person

CASE_PATH = Path(..., description="The case record's `id`.", example=41)
ERRORS = {400: ErrorOut, **READ_ERRORS, 409: ErrorOut, 422: ErrorOut}
ERRORS_TEXT = (
    " Errors: 403 without the capability; 404 for a record outside the caller's area; "
    "409 `stale` when the record changed since its `version` was read; 422 `invalid` with "
    "the page's messages per field. Nothing is changed on an error."
)


def _cases():
    return Case.objects.select_related(
        "person", "residence", "detection", "facility", "outbreak"
    ).prefetch_related("source_links__source")


def _scoped(request, case_id):
    return get_for_user(_cases(), request.auth, pk=case_id)


def _form_errors(form):
    return {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}


def _answer(request, case):
    return case_out(_cases().get(pk=case.pk), request.auth)


def _change(request, change):
    """Run a service's change of a record: the record as answered, or the
    refusal as the API's 409 (stale) or 422 (bad values)."""
    try:
        return _answer(request, change())
    except services.StaleCase as exc:
        return stale(request, services.stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))


# The list ----------------------------------------------------------------------


class CaseQuery(PageQuery):
    q: str | None = Field(
        None, description="Case code (or its start), whole ID number or phone, name."
    )
    date_on: str | None = Field(None, description="`created` (default) or `investigated`.")
    date_from: str | None = Field(None, description="YYYY-MM-DD, included.")
    date_to: str | None = Field(None, description="YYYY-MM-DD, included.")
    district_id: int | None = None
    commune_id: int | None = None
    level: str | None = Field(None, description='"0", "1", "2", "3+" (3 or more) or "none" (F?).')
    kind: str | None = Field(None, description="`confirmed` or `contact`.")
    contact_type: str | None = None
    outbreak_id: int | None = None


@router.get(
    "/cases",
    operation_id="investigation_case_list",
    response={200: CaseListOut, **QUEUE_ERRORS},
    summary="Cases and contacts, with the list's filters",
    description=(
        '"Truy vết dịch bệnh": the case records the caller sees (detected or living in '
        "their area), newest first, with the page's filters; e.g. "
        "`/cases?level=1&commune_id=1204&q=BN19`. A filter the page would refuse answers 422."
    ),
    url_name="investigation_case_list",
)
@api_requires(READ_CASES)
def case_list(request, filters: CaseQuery = FILTERS):
    user = request.auth
    errors = {}
    data = {
        "q": filters.q or "",
        "date_on": filters.date_on or "",
        "date_from": iso_date(filters.date_from, "date_from", errors) or "",
        "date_to": iso_date(filters.date_to, "date_to", errors) or "",
        "district": filters.district_id or "",
        "commune": filters.commune_id or "",
        "level": filters.level or "",
        "kind": filters.kind or "",
        "contact_type": filters.contact_type or "",
        "outbreak": filters.outbreak_id or "",
    }
    form = CaseFilterForm(data, user=user)
    if errors or not form.is_valid():
        return invalid(request, errors or _form_errors(form))
    filtered = form.filter_qs(Case.objects.visible_to(user))
    total, capped = capped_count(filtered)
    ids = filtered.order_by("-created_at", "-id").values_list("pk", flat=True)
    result = page(ids, filters, lambda pk: pk, total=total)
    qs = with_tests(Case.objects.filter(pk__in=result["items"]), user)
    qs = qs.select_related("person", "residence", "detection").prefetch_related(
        "source_links__source"
    )
    rows = {c.pk: c for c in qs}
    result["items"] = [rows[pk] for pk in result["items"] if pk in rows]
    result["capped"] = capped
    ids = [link.source_id for c in result["items"] for link in c.source_links.all()]
    visible = set(Case.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    result["items"] = [case_out(c, user, visible) for c in result["items"]]
    return result


@router.get(
    "/cases/{int:case_id}",
    operation_id="investigation_case_get",
    response={200: CaseOut, **READ_ERRORS},
    summary="One case record",
    url_name="investigation_case_get",
)
@api_requires(READ_CASES)
def case_get(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    log(request, Action.VIEW, case)
    return case_out(case, request.auth)


# Changes ------------------------------------------------------------------------


@router.post(
    "/cases",
    operation_id="investigation_case_create",
    response={201: CaseOut, **ERRORS},
    summary="Record a case (F0) or a contact",
    description=(
        "The person is `person_id` (a person the caller sees) or `person` (a new one). A "
        "contact names its `sources` (visible case records, each with its last contact "
        "date); its level follows from them. A source that would close a cycle, a taken "
        "case code, a person who already has a record: 422." + ERRORS_TEXT
    ),
    url_name="investigation_case_create",
    openapi_extra=body_doc(CaseIn, CASE_EXAMPLE),
)
@api_requires(EDIT_CASES)
def case_create(request):
    user = request.auth
    payload = read_body(request, CaseIn)
    errors = {}
    form = CaseForm(form_data(payload, errors), user=user)
    if errors:
        return invalid(request, errors)
    person = None
    if payload.person_id is not None:
        person = Person.objects.visible_to(user).filter(pk=payload.person_id).first()
        if person is None:
            return invalid(request, {"person_id": [_("No such person in your area.")]})
    if not form.is_valid():
        return invalid(request, _form_errors(form))
    try:
        case = create_with_person(
            user,
            person=person,
            new_person=form.person_values(),
            kind=form.cleaned_data["kind"],
            fields=form.case_fields(),
            sources=form.sources,
        )
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return Status(201, _answer(request, case))


@router.post(
    "/cases/{int:case_id}",
    operation_id="investigation_case_update",
    response={200: CaseOut, **ERRORS},
    summary="Change a case record",
    description=(
        "Send `version` and the fields that change; `sources` (for a contact) replaces "
        "its sources, absent leaves them. Levels below move with the chain." + ERRORS_TEXT
    ),
    url_name="investigation_case_update",
    openapi_extra=body_doc(CaseIn, {"version": 3, "residence_street": "14 Lê Lợi"}),
)
@api_requires(EDIT_CASES)
def case_update(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    payload = read_body(request, CaseIn)
    if payload.version is None:
        return invalid(request, {"version": [required_error()]})
    errors = {}
    data = form_data(payload, errors, base=current_data(case))
    if payload.sources is None:
        for link in case.source_links.all():
            data.appendlist("source", str(link.source_id))
    if errors:
        return invalid(request, errors)
    form = CaseForm(data, user=request.auth, case=case)
    if not form.is_valid():
        return invalid(request, _form_errors(form))
    sources = None
    if payload.sources is not None and case.kind == CaseKind.CONTACT:
        sources = form.sources
    return _change(
        request,
        lambda: services.update_case(
            case,
            actor=request.auth,
            version=payload.version,
            fields=form.case_fields(),
            sources=sources,
        ),
    )


class VersionIn(Schema):
    version: int


@router.delete(
    "/cases/{int:case_id}",
    operation_id="investigation_case_delete",
    response={204: None, **ERRORS},
    summary="Delete a case record",
    description=(
        "Only a record no other record names as its source (422 otherwise). `version` "
        "in the query string." + ERRORS_TEXT
    ),
    url_name="investigation_case_delete",
)
@api_requires(DELETE_CASE)
def case_delete(
    request,
    case_id: int = CASE_PATH,
    version: int | None = Query(None, description="The record's `version`. Required.", example=3),
):
    # `version` is checked after the scope: a record outside it answers 404 whatever was sent.
    case = _scoped(request, case_id)
    if version is None:
        return invalid(request, {"version": [required_error()]})
    try:
        services.delete_case(case, actor=request.auth, version=version)
    except services.StaleCase as exc:
        return stale(request, services.stale_message(exc.current))
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    return Status(204, None)


class ConfirmIn(Schema):
    version: int
    code: str = Field(..., description="The case code, e.g. BN1981.")
    confirmed_on: str = Field(..., description="YYYY-MM-DD.")
    classification: str | None = None
    note: str | None = None


@router.post(
    "/cases/{int:case_id}/confirm",
    operation_id="investigation_case_confirm",
    response={200: CaseOut, **ERRORS},
    summary="Confirm a contact as a case (F0)",
    description=(
        "Every record below it moves up one level in the same transaction (an F2 below "
        "becomes F1...), each move an event and on the communes' reclassified list." + ERRORS_TEXT
    ),
    url_name="investigation_case_confirm",
    openapi_extra=body_doc(
        ConfirmIn, {"version": 2, "code": "BN1982", "confirmed_on": "2021-08-03"}
    ),
)
@api_requires(CONFIRM_CASE)
def case_confirm(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    payload = read_body(request, ConfirmIn)
    errors = {}
    confirmed_on = iso_date(payload.confirmed_on, "confirmed_on", errors)
    if errors:
        return invalid(request, errors)
    return _change(
        request,
        lambda: services.confirm_case(
            case,
            actor=request.auth,
            version=payload.version,
            code="".join(payload.code.split()).upper(),
            confirmed_on=confirmed_on,
            classification=payload.classification or "",
            note=payload.note or "",
        ),
    )


class SendIn(Schema):
    version: int
    facility_id: int


@router.post(
    "/cases/{int:case_id}/send-to-facility",
    operation_id="investigation_case_send",
    response={200: CaseOut, **ERRORS},
    summary='Send the person to a quarantine facility\'s "to take in" list',
    description="The facility must be one the caller sees and in use." + ERRORS_TEXT,
    url_name="investigation_case_send",
    openapi_extra=body_doc(SendIn, {"version": 2, "facility_id": 3}),
)
@api_requires(EDIT_CASES)
def case_send(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    payload = read_body(request, SendIn)
    form = SendForm(
        {"version": payload.version, "facility": payload.facility_id}, user=request.auth
    )
    if not form.is_valid():
        return invalid(request, {"facility_id": form.errors.get("facility", [])})
    return _change(
        request,
        lambda: services.send_to_facility(
            case,
            actor=request.auth,
            version=payload.version,
            facility=form.cleaned_data["facility"],
        ),
    )


class SourcesIn(Schema):
    version: int
    sources: list[SourceIn]


@router.put(
    "/cases/{int:case_id}/sources",
    operation_id="investigation_case_sources",
    response={200: CaseOut, **ERRORS},
    summary="Set the sources of a contact",
    description=(
        "Replaces the contact's sources (visible case records, each with its last contact "
        "date); its level and everyone's below move with the chain. A cycle: 422." + ERRORS_TEXT
    ),
    url_name="investigation_case_sources",
    openapi_extra=body_doc(
        SourcesIn, {"version": 2, "sources": [{"case_id": 41, "contact_date": "2021-07-30"}]}
    ),
)
@api_requires(EDIT_CASES)
def case_sources(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    payload = read_body(request, SourcesIn)
    if case.kind != CaseKind.CONTACT:
        return invalid(request, {"sources": [_("A confirmed case has no sources.")]})
    visible = Case.objects.visible_to(request.auth).in_bulk([s.case_id for s in payload.sources])
    errors, sources = {}, []
    for item in payload.sources:
        day = iso_date(item.contact_date, "contact_date", errors) if item.contact_date else None
        if item.case_id not in visible:
            errors.setdefault("sources", []).append(
                _("No case record %(id)s in your area.") % {"id": item.case_id}
            )
        else:
            sources.append((visible[item.case_id], day))
    if errors:
        return invalid(request, errors)
    return _change(
        request,
        lambda: services.update_case(
            case, actor=request.auth, version=payload.version, fields={}, sources=sources
        ),
    )


# Worklists ----------------------------------------------------------------------


class ReclassifiedOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[CaseOut]


@router.get(
    "/reclassified",
    operation_id="investigation_reclassified_list",
    response={200: ReclassifiedOut, **QUEUE_ERRORS},
    summary="Records a cascade moved, not yet acted on",
    description="Newest move first; acknowledge each with `/reclassified/{id}/acknowledge`.",
    url_name="investigation_reclassified_list",
)
@api_requires(READ_CASES)
def reclassified_list(request, filters: PageQuery = FILTERS):
    ids = queues.reclassified(request.auth).values_list("pk", flat=True)
    result = page(ids, filters, lambda pk: pk)
    rows = _cases().in_bulk(result["items"])
    result["items"] = [case_out(rows[pk], request.auth) for pk in result["items"] if pk in rows]
    return result


@router.post(
    "/reclassified/{int:case_id}/acknowledge",
    operation_id="investigation_reclassified_acknowledge",
    response={200: CaseOut, **ERRORS},
    summary="Take a record off the reclassified list",
    url_name="investigation_reclassified_acknowledge",
    openapi_extra=body_doc(VersionIn, {"version": 4}),
)
@api_requires(EDIT_CASES)
def reclassified_acknowledge(request, case_id: int = CASE_PATH):
    case = _scoped(request, case_id)
    payload = read_body(request, VersionIn)
    try:
        case = services.acknowledge_reclassified(case, actor=request.auth, version=payload.version)
    except services.StaleCase as exc:
        return stale(request, services.stale_message(exc.current))
    return _answer(request, case)


class IssueOut(Schema):
    case_id: int
    code: str = Field(..., description="The check: " + ", ".join(f"`{c}`" for c in chain.CHECKS))
    message: str
    level: int | None
    case_code: str


@router.get(
    "/chain-checks",
    operation_id="investigation_chain_checks",
    response={200: list[IssueOut], **QUEUE_ERRORS},
    summary="What the chain checks flag among the caller's records",
    url_name="investigation_chain_checks",
)
@api_requires(READ_CASES)
def chain_checks(request):
    return [
        {
            "case_id": issue.case.pk,
            "code": issue.code,
            "message": str(issue.message),
            "level": issue.case.level,
            "case_code": issue.case.code,
        }
        for issue in chain.issues(Case.objects.visible_to(request.auth))
    ]
