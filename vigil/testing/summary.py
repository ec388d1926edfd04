"""The number of tests and the latest result of people, for every list (R-T2:
"Number of tests" shows on every list, the seed's column "Số lần XN").

Everything is read in one query whatever the number of people, from the test
results the viewer may see (`TestResult.objects.visible_to`):

- `annotate_tests(people, user)` adds `test_count`, `latest_result`,
  `latest_sample_date` and `latest_test_type` to a Person queryset;
- `tests_summary(user, person_ids)` answers {person id: TestSummary} (the
  same figures, from the results read in one plain query);
- `attach_test_summaries(user, objects, person_id=...)` sets `.test_summary` on
  each object of a page (people, declarations...), for the template tag
  ``{% load testing_tags %}{% test_summary obj.test_summary %}``.
"""

import datetime
from dataclasses import dataclass
from operator import attrgetter

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from .models import TestOutcome, TestResult, TestType


@dataclass(frozen=True)
class TestSummary:
    count: int = 0
    result: str = ""
    sample_date: datetime.date | None = None
    test_type: str = ""

    @property
    def result_label(self):
        return _OUTCOME_LABELS.get(self.result, "")

    @property
    def type_label(self):
        return _TYPE_LABELS.get(self.test_type, "")

    @property
    def positive(self):
        return self.result == TestOutcome.POSITIVE

    @classmethod
    def of(cls, person):
        """The summary of a Person row annotated by `annotate_tests`."""
        return cls(
            person.test_count or 0,
            person.latest_result or "",
            person.latest_sample_date,
            person.latest_test_type or "",
        )


NO_TESTS = TestSummary()
# Every row of a list shows them: a dict look-up rather than an enum per row.
_OUTCOME_LABELS = dict(TestOutcome.choices)
_TYPE_LABELS = dict(TestType.choices)


def scoped_results(user):
    return TestResult.objects.visible_to(user)


def annotate_tests(people, user):
    """`people` with the count and the latest result of the tests `user` may see."""
    results = scoped_results(user).filter(person=OuterRef("pk"))
    latest = results.order_by("-sample_date", "-id")
    count = results.order_by().values("person").annotate(n=Count("pk")).values("n")[:1]
    return people.annotate(
        test_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        latest_result=Subquery(latest.values("result")[:1]),
        latest_sample_date=Subquery(latest.values("sample_date")[:1]),
        latest_test_type=Subquery(latest.values("test_type")[:1]),
    )


def tests_summary(user, person_ids):
    """{person id: TestSummary} in one query; people without tests get NO_TESTS.

    The visible results of these people, read whole and summed up here: one
    plain query on the person index (a page's people have a few results
    each), rather than four correlated subqueries per person to compile and
    run."""
    ids = {pk for pk in person_ids if pk is not None}
    if not ids:
        return {}
    rows = (
        scoped_results(user)
        .filter(person_id__in=ids)
        .order_by("person_id", "-sample_date", "-id")
        .values_list("person_id", "result", "sample_date", "test_type")
    )
    counts, latest = {}, {}
    for person, result, day, test_type in rows:
        counts[person] = counts.get(person, 0) + 1
        # The first row of each person is their latest (annotate_tests' order).
        latest.setdefault(person, (result, day, test_type))
    return {pk: TestSummary(counts[pk], *latest[pk]) if pk in counts else NO_TESTS for pk in ids}


def attach_test_summaries(user, objects, person_id=attrgetter("pk")):
    """Set `.test_summary` on each of `objects` (a page of a list); returns them.

    `person_id` reads the person's id from an object: the default suits
    Person rows; for declarations pass ``attrgetter("person_id")``.
    """
    objects = list(objects)
    summaries = tests_summary(user, [person_id(o) for o in objects])
    for obj in objects:
        obj.test_summary = summaries.get(person_id(obj), NO_TESTS)
    return objects
