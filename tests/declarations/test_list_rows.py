# ruff: noqa: F811  (fixtures imported from other test modules)
"""The declaration list's rows, built in Python (`{% declaration_rows %}`),
are the markup the template's loop wrote, cell by cell."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from vigil.accounts.models import Task
from vigil.declarations.models import Channel, Declaration
from vigil.testing.models import TestResult

from .test_lists import declare  # noqa: F401  (a fixture)

# The loop the list's template had before the rows were built in Python.
TEMPLATE_ROWS = """{% load vigil testing_tags places %}{% attach_tests page "person_id" %}{% for d in page %}
    <tr id="declaration-{{ d.pk }}">
      {% with detail=d.pk|url_of:"declarations:detail" %}<td><a href="{{ detail }}" class="secret">{{ d.code }}</a></td>
      <td><a href="{{ detail }}">{{ d.person.full_name }}</a></td>{% endwith %}
      <td>{{ d.person.masked_id_number }}</td>
      <td>{{ d.person.masked_phone }}</td>
      <td>{{ d.area.name }}{% with district=d.area|district_of %}{% if district %}<div class="small text-muted district">{{ district }}</div>{% endif %}{% endwith %}</td>
      <td>{{ d.arrival_date|dmy }}</td>
      <td>{{ d.get_registration_kind_display }}</td>
      <td>{{ d.get_channel_display }}</td>
      <td>{{ d.created_at|dt }}</td>
    <td><span class="badge risk-{{ d.risk_colour }}">{{ d.get_risk_colour_display }}</span></td><td>{% test_summary d.test_summary %}</td></tr>{% endfor %}"""  # noqa: E501
PYTHON_ROWS = (
    '{% load testing_tags declaration_rows %}{% test_cells page "person_id" as tests %}'
    "{% declaration_rows page tests %}"
)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_rows_are_the_markup_the_template_wrote(
    language, places, declare, make_person, make_user
):
    tricky = make_person(places.commune, 'Lê <Thị> "Hoa" & Bé', phone="0905123456")
    rows = [
        declare(places.commune, person=tricky, channel=Channel.PAPER, risk_colour="red"),
        declare(places.neighbour, days_ago=3, registration_kind="student"),
    ]
    TestResult.objects.create(
        person=tricky,
        area_path=places.commune.path,
        test_type="pcr",
        result="positive",
        sample_date=rows[0].arrival_date,
    )
    user = make_user("cdc.hue", places.district, tasks=[Task.CDC])
    request = RequestFactory().get("/declarations/")
    request.user = user
    page = list(
        Declaration.objects.filter(pk__in=[d.pk for d in rows])
        .select_related("person", "area__parent")
        .order_by("-created_at")
    )
    with translation.override(language):
        before = Template(TEMPLATE_ROWS).render(Context({"page": page, "request": request}))
        after = Template(PYTHON_ROWS).render(Context({"page": page, "request": request}))
    assert after == before
    assert "&lt;Thị&gt;" in after and places.district.name in after
