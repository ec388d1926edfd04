"""``{% test_summary summary %}``: the number of tests and the latest result of
one person, as every list shows them (see vigil.testing.summary)."""

from operator import attrgetter

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

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


@register.simple_tag
def test_summary(summary, person_id=None):
    """`summary` is a TestSummary, or a {person id: TestSummary} dict with `person_id`.

    Built in Python rather than by an included template: lists show it on
    every row (50 template renders per page were a fifth of a list's CPU).
    """
    if isinstance(summary, dict):
        summary = summary.get(person_id, NO_TESTS)
    summary = summary or NO_TESTS
    latest = ""
    if summary.result:
        day = summary.sample_date.strftime("%d/%m/%Y") if summary.sample_date else ""
        latest = format_html(
            ' {} <small class="text-muted">{}, {}</small>',
            summary.result_label,
            summary.type_label,
            day,
        )
    return format_html(
        '<span class="test-summary{}" data-count="{}" data-result="{}">'
        '<span class="badge {}" title="{}">{}</span>{}</span>',
        " text-danger fw-semibold" if summary.positive else "",
        summary.count,
        summary.result,
        "text-bg-secondary" if summary.count else "text-bg-light",
        gettext("Number of tests"),
        summary.count,
        latest,
    )


# The rows of "Kết quả xét nghiệm" (testing/list.html), built in Python: 50 rows
# of a dozen cells each cost the list a third of its CPU as template nodes.
_ROW = (
    '<tr id="person-{pk}" class="{danger}" data-count="{count}">{pick}'
    "<td>{number}</td>"
    '<td><a href="{url}">{name}</a></td>'
    "<td>{id_number}</td><td>{phone}</td><td>{place}</td><td>{student_code}</td>"
    '<td class="small">{exposures}</td><td class="small">{symptoms}</td>'
    '<td class="small">{conditions}</td>'
    '<td class="test-count">{count}</td><td>{summary}</td>'
    '<td class="text-nowrap"><a class="btn btn-sm btn-outline-primary" href="{url}" '
    'id="tests-{pk}">{action}</a>{case}</td></tr>\n'
)
_PICK = (
    '<td><input type="checkbox" class="form-check-input" name="person" value="{}" '
    'form="batch-form" id="pick-{}" aria-label="{}"></td>'
)
_CASE = (
    '<span class="d-inline-block" tabindex="0" title="{}"><button type="button" '
    'class="btn btn-sm btn-outline-danger start-case" disabled>{}</button></span>'
)


@register.simple_tag
def people_rows(page, may_enter):
    """The table rows of the people of `page` (prepared by
    vigil.testing.queries.attach_declarations), or the "nobody" row."""
    if not page.object_list:
        return format_html(
            '<tr><td colspan="13" id="nobody">{}</td></tr>',
            gettext("Nobody matches these filters."),
        )
    action = gettext("Enter results") if may_enter else gettext("View")
    case = format_html(
        _CASE,
        gettext("Start of a case once the investigation module exists"),
        gettext("Start a case"),
    )
    rows = []
    for p in page:
        summary = p.test_summary
        rows.append(
            format_html(
                _ROW,
                pk=p.pk,
                danger="table-danger" if summary.positive else "",
                count=summary.count,
                pick=format_html(_PICK, p.pk, p.pk, p.full_name) if may_enter else "",
                number=p.row_number,
                url=p.url,
                name=p.full_name,
                id_number=p.masked_id_number,
                phone=p.masked_phone,
                place=p.place,
                student_code=p.student_code,
                exposures="; ".join(p.exposures),
                symptoms="; ".join(p.symptoms),
                conditions="; ".join(p.conditions),
                summary=test_summary(summary) if summary.result else "",
                action=action,
                case=case if summary.positive else "",
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - each row is format_html's


@register.simple_tag(takes_context=True)
def test_cells(context, objects, person_id="pk"):
    """``{% test_cells page "person_id" as tests %}``: {row's pk: its test
    summary's HTML}, the tests of the page's people loaded in one query: for
    a list that builds its rows in Python (the declaration list's
    ``{% declaration_rows page tests %}``)."""
    attach_test_summaries(context["request"].user, objects, person_id=attrgetter(person_id))
    return {obj.pk: test_summary(obj.test_summary) for obj in objects}
