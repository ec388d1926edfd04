"""CDC's worklist "Dương tính, chưa mở ca bệnh" (R-H1): the people of the
viewer's jurisdiction with a positive result nobody has acted on yet.

What it holds is `TestResult.objects.positive_without_case()`, read through
`visible_to` for both the people and their results; the page, its count on
the home menu and the dashboard, its export and the API all start from
`positive_people(user)`. Oldest first: the person whose first waiting
positive was sampled earliest heads the list.
"""

from django.db.models import Count, OuterRef, Subquery

from vigil.people.models import Person

from .forms import keyword_q
from .models import TestResult


def _waiting(user):
    return TestResult.objects.visible_to(user).positive_without_case()


def positive_people(user):
    """The people in `user`'s jurisdiction with at least one waiting positive result."""
    waiting = _waiting(user)
    return Person.objects.visible_to(user).filter(pk__in=waiting.values("person_id"))


def count_positive_without_case(user):
    """The size of the list as `user` sees it: the count on the home menu."""
    return positive_people(user).count()


def with_columns(user, people):
    """`people` with what the list shows, oldest waiting first, in one query."""
    waiting = _waiting(user).filter(person=OuterRef("pk")).order_by()
    latest = waiting.order_by("-sample_date", "-pk")
    first = waiting.order_by("sample_date", "pk")
    tests = TestResult.objects.visible_to(user).filter(person=OuterRef("pk")).order_by()
    people = people.annotate(
        first_positive_date=Subquery(first.values("sample_date")[:1]),
        latest_positive_date=Subquery(latest.values("sample_date")[:1]),
        latest_positive_type=Subquery(latest.values("test_type")[:1]),
        waiting_count=Subquery(waiting.values("person").annotate(n=Count("pk")).values("n")[:1]),
        test_count=Subquery(tests.values("person").annotate(n=Count("pk")).values("n")[:1]),
    )
    return people.select_related("area", "area__parent").order_by(
        "first_positive_date", "search_key", "id"
    )


def filter_people(user, form):
    """The worklist narrowed by `form` (PositiveFilterForm); an invalid form: nobody."""
    people = positive_people(user)
    if not form.is_valid():
        return people.none()
    people = people.filter(form.area_q())
    if form.cleaned_data.get("q"):
        people = people.filter(keyword_q(form.cleaned_data["q"]))
    return people


def waiting_results(user, person):
    """The person's waiting positive results, oldest first: what "recorded as
    handled" closes, and whose versions make the item's version."""
    return list(_waiting(user).filter(person=person).order_by("sample_date", "pk"))


def waiting_by_person(user, person_ids):
    """{person id: [waiting positive results, oldest first]} for a page of the list."""
    out = {pk: [] for pk in person_ids}
    rows = _waiting(user).filter(person_id__in=person_ids).order_by("sample_date", "pk")
    for result in rows:
        out[result.person_id].append(result)
    return out
