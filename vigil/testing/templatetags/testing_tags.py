"""``{% test_summary summary %}``: the number of tests and the latest result of
one person, as every list shows them (see vigil.testing.summary)."""

from operator import attrgetter

from django import template

from vigil.testing.summary import NO_TESTS, attach_test_summaries, tests_summary

register = template.Library()


@register.simple_tag(takes_context=True)
def attach_tests(context, objects, person_id="pk"):
    """``{% attach_tests page "person_id" %}`` before a list's rows: loads the
    tests of every person of the page in one query (sets `.test_summary`).
    Pages of other apps show tests this way, without importing this app."""
    attach_test_summaries(context["request"].user, objects, person_id=attrgetter(person_id))
    return ""


@register.simple_tag(takes_context=True)
def tests_of(context, person_id):
    """``{% tests_of person.pk as tests %}``: one person's TestSummary."""
    return tests_summary(context["request"].user, [person_id])[person_id]


@register.inclusion_tag("testing/_summary.html")
def test_summary(summary, person_id=None):
    """`summary` is a TestSummary, or a {person id: TestSummary} dict with `person_id`."""
    if isinstance(summary, dict):
        summary = summary.get(person_id, NO_TESTS)
    return {"summary": summary or NO_TESTS}
