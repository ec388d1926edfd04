""" "Kết quả xét nghiệm" and the test statistics through the API (R-T1, R-T3).

The people of the page's two tabs (not yet tested / tested) with the page's
filters (vigil.testing.queries, bound to the page's PeopleFilterForm), and
the figures of the statistics page (vigil.testing.stats, bound to its
StatsFilterForm): the same rows and numbers as the pages, for the same
accounts (READ_TESTS).
"""

import datetime

from ninja import Field, Schema

from vigil.api.common import (
    FILTERS,
    PAGE_MAX,
    QUEUE_ERRORS,
    ErrorOut,
    PageOut,
    PageQuery,
    invalid,
    page,
)
from vigil.api.testing import router
from vigil.core.permissions import READ_TESTS, api_requires
from vigil.people.models import Person
from vigil.testing import stats as test_stats
from vigil.testing.forms import PeopleFilterForm, StatsFilterForm
from vigil.testing.models import TestOutcome, TestResult
from vigil.testing.queries import (
    TESTED,
    UNTESTED,
    count_people,
    filter_people,
    ordered_ids,
    with_columns,
)

FILTERS_DOC = (
    "Query parameters are the page's filters: `tab` (`untested`, the default, or "
    "`tested`), `date_from`, `date_to` (dd/mm/yyyy or YYYY-MM-DD; the arrival date on "
    "the untested tab, the sample date on the tested one), `district`, `commune` "
    "(unit ids, inside the caller's jurisdiction), `contact` (an exposure question "
    "key), `surveillance` and `q` (name, ID number or phone)."
)


class TestedPersonOut(Schema):
    person_id: int
    full_name: str
    id_number: str = Field(..., description="Masked.")
    phone: str = Field(..., description="Masked.")
    birth_year: int | None
    area_name: str
    test_count: int
    latest_result: str | None
    latest_sample_date: datetime.date | None


class TestedPeopleOut(PageOut):
    tab: str
    capped: bool = Field(
        False,
        description="More than VIGIL_LIST_COUNT_CAP (10,000) people match: `total` is the "
        "cap (“10.000+”).",
    )
    items: list[TestedPersonOut]


def _form_errors(request, form):
    return invalid(request, {k: [str(m) for m in v] for k, v in form.errors.items()})


def _person(p):
    return {
        "person_id": p.pk,
        "full_name": p.full_name,
        "id_number": p.masked_id_number,
        "phone": p.masked_phone,
        "birth_year": p.birth_year,
        "area_name": p.area.name if p.area_id else "",
        "test_count": p.test_count or 0,
        "latest_result": p.latest_result,
        "latest_sample_date": p.latest_sample_date,
    }


@router.get(
    "/people",
    response={200: TestedPeopleOut, **QUEUE_ERRORS},
    summary="People not yet tested / tested",
    description=(
        '"Kết quả xét nghiệm" (R-T1): the people of the caller\'s jurisdiction who arrived, '
        "were quarantined or were tested, on the tab asked for. "
        + FILTERS_DOC
        + f" Page with `limit` (at most {PAGE_MAX}) and `offset`."
    ),
    operation_id="vigil_api_testing_people",
    url_name="testing_people",
)
@api_requires(READ_TESTS)
def people(request, window: PageQuery = FILTERS):
    user = request.auth
    tab = TESTED if request.GET.get("tab") == TESTED else UNTESTED
    form = PeopleFilterForm(request.GET, user=user)
    if not form.is_valid():
        return _form_errors(request, form)
    people = filter_people(user, form, tab)
    # Counted as the page counts (up to the cap); the page's ids first, then
    # the columns of those people only.
    total, capped = count_people(user, form, tab, people)
    body = page(ordered_ids(user, people, tab, form), window, lambda pk: pk, total=total)
    rows = with_columns(user, Person.objects.filter(pk__in=body["items"]), tab).in_bulk()
    items = [_person(rows[pk]) for pk in body["items"] if pk in rows]
    return {**body, "items": items, "tab": tab, "capped": capped}


class CountsOut(Schema):
    total: int
    negative: int
    positive: int
    inconclusive: int
    pending: int


class DayOut(Schema):
    day: datetime.date
    total: int
    positive: int


class NamedCountsOut(CountsOut):
    name: str


class TypeOut(Schema):
    test_type: str
    counts: dict[str, int]
    total: int


class TestStatsOut(Schema):
    start: datetime.date
    end: datetime.date
    totals: CountsOut
    by_day: list[DayOut]
    by_commune: list[NamedCountsOut]
    by_type: list[TypeOut]
    by_checkpoint: list[NamedCountsOut]


def _counts(row):
    return {"total": row.get("total") or 0, **{o: row.get(o) or 0 for o in TestOutcome.values}}


@router.get(
    "/statistics",
    response={200: TestStatsOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Test statistics",
    description=(
        "The figures of the test statistics page (R-T3) over the results of the caller's "
        "jurisdiction sampled between `date_from` and `date_to` (by default the last 30 "
        "days, at most a year): totals per result, per day, per commune, per test type and "
        "per checkpoint. `checkpoint_only=true` keeps the rapid tests entered at checkpoints."
    ),
    operation_id="vigil_api_testing_statistics",
    url_name="testing_statistics",
)
@api_requires(READ_TESTS)
def statistics(request):
    form = StatsFilterForm(request.GET)
    if not form.is_valid():
        return _form_errors(request, form)
    data = form.cleaned_data
    results = TestResult.objects.visible_to(request.auth).filter(
        sample_date__gte=data["start"], sample_date__lte=data["end"]
    )
    if data.get("checkpoint_only"):
        results = results.exclude(checkpoint="")
    figures = test_stats.figures(results, data["start"], data["end"])
    outcomes = TestOutcome.values
    return {
        "start": data["start"],
        "end": data["end"],
        "totals": _counts(figures["totals"]),
        "by_day": [
            {"day": day, "total": total, "positive": positive}
            for day, total, positive in figures["by_day"]["days"]
        ],
        "by_commune": [{"name": str(r["name"]), **_counts(r)} for r in figures["by_commune"]],
        "by_type": [
            {"test_type": str(label), "counts": dict(zip(outcomes, cells, strict=True)), "total": n}
            for label, cells, n in figures["by_type"]
        ],
        "by_checkpoint": [
            {"name": r["checkpoint"], **_counts(r)} for r in figures["by_checkpoint"]
        ],
    }
