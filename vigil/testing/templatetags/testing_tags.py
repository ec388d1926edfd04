"""``{% test_summary summary %}``: the number of tests and the latest result of
one person, as every list shows them (see vigil.testing.summary)."""

from django import template

from vigil.testing.summary import NO_TESTS

register = template.Library()


@register.inclusion_tag("testing/_summary.html")
def test_summary(summary, person_id=None):
    """`summary` is a TestSummary, or a {person id: TestSummary} dict with `person_id`."""
    if isinstance(summary, dict):
        summary = summary.get(person_id, NO_TESTS)
    return {"summary": summary or NO_TESTS}
