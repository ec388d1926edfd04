"""CDC's worklist "Dương tính, chưa mở ca bệnh" through the API (R-H1, R-N5).

The list is the page's (vigil.testing.worklist: the people of the caller's
jurisdiction with a positive result nobody has acted on, the longest waiting
first) and "recorded as handled" goes through the page's service
(vigil.testing.services.record_positive_handled), so the API refuses exactly
what the page refuses. Who may read and act: the page's capability
(HANDLE_POSITIVES: CDC and health stations).

An item's `version` is an opaque string naming its waiting positive results
and their versions. Send it back with the action: when a new positive result
came in since, nothing is saved and the answer is 409 `stale` with the
current version (read the item again); when nobody is waiting any more (a
double submit), 409 `already_handled`.
"""

import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Path, Schema

from vigil.api.common import (
    FILTERS,
    PAGE_MAX,
    QUEUE_ERRORS,
    ErrorOut,
    PageOut,
    PlaceQuery,
    body_doc,
    error,
    invalid,
    page,
    page_example,
    place_filters,
    read_body,
    required_error,
    response_example,
    service_fields,
)
from vigil.api.testing import router
from vigil.core.permissions import HANDLE_POSITIVES, api_requires, get
from vigil.core.scope import get_for_user
from vigil.people.models import Person
from vigil.testing import services, worklist
from vigil.testing.forms import keyword_q

PERSON_PATH = Path(..., description="The person's id (`person_id` of a worklist item).", example=7)


class WaitingOut(Schema):
    id: int
    sample_date: datetime.date
    test_date: datetime.date | None
    test_type: str = Field(..., description="`rapid`, `pcr`, `pooled` or `other`.")
    sampling_unit: str


class PositiveItemOut(Schema):
    person_id: int
    full_name: str
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    birth_year: int | None
    area_code: str
    area_name: str
    latest_positive_date: datetime.date
    latest_positive_type: str
    test_count: int = Field(..., description="Every test of the person in the jurisdiction.")
    waiting: list[WaitingOut] = Field(
        ..., description="The positive results waiting, oldest first."
    )
    version: str = Field(..., description="Send it back with the action.")


class PositiveListOut(PageOut):
    items: list[PositiveItemOut]


class HandledIn(Schema):
    version: str | None = Field(
        None, description="The item's `version` as read. Required.", examples=["12:1,15:1"]
    )
    note: str | None = Field(
        None,
        description=f"What was done (e.g. referred to hospital X). Required, at most "
        f"{services.NOTE_MAX} characters.",
    )


class HandledOut(Schema):
    person_id: int
    handled_results: list[int]
    handled_at: datetime.datetime
    handled_by: str
    note: str


def _item(person, waiting):
    latest = max(waiting, key=lambda r: (r.sample_date, r.pk))
    return {
        "person_id": person.pk,
        "full_name": person.full_name,
        "id_number": person.masked_id_number,
        "phone": person.masked_phone,
        "birth_year": person.birth_year,
        "area_code": person.area.code,
        "area_name": person.area.name,
        "latest_positive_date": latest.sample_date,
        "latest_positive_type": latest.test_type,
        "test_count": person.test_count or 0,
        "waiting": [
            {
                "id": r.pk,
                "sample_date": r.sample_date,
                "test_date": r.test_date,
                "test_type": r.test_type,
                "sampling_unit": r.sampling_unit,
            }
            for r in waiting
        ],
        "version": services.item_version(waiting),
    }


EXAMPLE_ITEM = {
    "person_id": 7,
    "full_name": "Nguyễn Văn An",
    "id_number": "04•••••••234",
    "phone": "090••••456",
    "birth_year": 1990,
    "area_code": "19789",
    "area_name": "Phường Phú Nhuận",
    "latest_positive_date": "2021-08-22",
    "latest_positive_type": "pcr",
    "test_count": 3,
    "waiting": [
        {
            "id": 15,
            "sample_date": "2021-08-22",
            "test_date": "2021-08-23",
            "test_type": "pcr",
            "sampling_unit": "CDC Thừa Thiên Huế",
        }
    ],
    "version": "15:1",
}


@router.get(
    "/positive",
    response={200: PositiveListOut, **QUEUE_ERRORS},
    summary="Positive, no case opened",
    description=(
        '"Dương tính, chưa mở ca bệnh" (R-H1): the people of the caller\'s jurisdiction with '
        "at least one positive result nobody has acted on yet, the longest waiting first. "
        "Filters: `district_code`, `commune_code`, `q` (name words, whole ID number or phone). "
        f"`total` counts every match; page with `limit` (at most {PAGE_MAX}) and `offset`. "
        "ID numbers and phones are masked. Who may read: "
        + ", ".join(f"`{t}`" for t in get(HANDLE_POSITIVES).tasks)
        + "."
    ),
    operation_id="vigil_api_testing_positive",
    url_name="testing_positive",
    openapi_extra=page_example(EXAMPLE_ITEM),
)
@api_requires(HANDLE_POSITIVES)
def positive(request, filters: PlaceQuery = FILTERS):
    user = request.auth
    people = place_filters(worklist.positive_people(user), filters, keyword_q)
    people = worklist.with_columns(user, people)
    body = page(people, filters, lambda p: p)
    waiting = worklist.waiting_by_person(user, [p.pk for p in body["items"]])
    body["items"] = [_item(p, waiting[p.pk]) for p in body["items"]]
    return body


@router.post(
    "/positive/{int:person_id}/handled",
    response={
        200: HandledOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },  # fmt: skip
    operation_id="vigil_api_testing_handled",
    summary="Record as handled",
    description=(
        '"Ghi nhận đã xử lý": what was done about the person\'s waiting positive results '
        "(e.g. referred to a hospital), until the investigation module opens an F0 case "
        "instead. Every waiting positive result is marked handled, by whom and when, and the "
        "person leaves the list; a later positive result puts them back. The note is "
        "required. Errors: 403 for other task groups; 404 outside the caller's jurisdiction; "
        "409 `stale` when a positive result came in since `version` was read; 409 "
        "`already_handled` when nothing is waiting any more; 422 `invalid` with the messages "
        "per field. Nothing is changed on an error."
    ),
    url_name="testing_positive_handled",
    openapi_extra={
        **body_doc(HandledIn, {"version": "15:1", "note": "Chuyển Bệnh viện Trung ương Huế"}),
        **response_example(
            {
                "person_id": 7,
                "handled_results": [15],
                "handled_at": "2021-08-23T10:05:00+07:00",
                "handled_by": "cdc.tinh",
                "note": "Chuyển Bệnh viện Trung ương Huế",
            }
        ),
    },
)
@api_requires(HANDLE_POSITIVES)
def handled(request, person_id: int = PERSON_PATH):
    person = get_for_user(Person.objects.all(), request.auth, pk=person_id)
    payload = read_body(request, HandledIn)
    errors = {}
    if not (payload.version or "").strip():
        errors["version"] = [required_error()]
    if not (payload.note or "").strip():
        errors["note"] = [required_error()]
    if errors:
        return invalid(request, errors)
    try:
        done = services.record_positive_handled(
            request.auth, person, version=payload.version.strip(), note=payload.note
        )
    except ValidationError as exc:
        return invalid(request, service_fields(exc))
    except services.AlreadyHandled:
        return error(request, 409, "already_handled", services.already_handled_message())
    except services.StaleItem as exc:
        message = services.stale_item_message()
        fields = {"version": [message], "current_version": [exc.current]}
        return error(request, 409, "stale", message, fields)
    first = done[0]
    return {
        "person_id": person.pk,
        "handled_results": [r.pk for r in done],
        "handled_at": first.handled_at,
        "handled_by": request.auth.username,
        "note": first.handled_note,
    }
