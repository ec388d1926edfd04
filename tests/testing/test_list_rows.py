"""The rows of "Kết quả xét nghiệm" (issue #15): a full page of 50 people in
a bounded number of queries, each row built without template nodes but with
the same cells, links and test summary as before."""

import pytest
from django.urls import reverse

from vigil.accounts.models import Task
from vigil.testing.models import TestResult
from vigil.testing.templatetags.testing_tags import test_summary as summary_html

from .test_views import DAY, LIST, TODAY, declare, result

# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def province_cdc(make_user, places):
    return make_user("cdc.tinh", places.province, tasks=[Task.CDC])


def test_a_page_of_fifty_rows_in_a_bounded_number_of_queries(
    client, province_cdc, places, make_person, django_assert_max_num_queries
):
    people = []
    for n in range(55):
        person = make_person(places.commune, f"Người {n:02d}", address=f"{n} Lê Lợi" if n else "")
        declare(person, sym_fever=bool(n % 2), student_code="SV-1" if n == 0 else "")
        people.append(person)
    for person in people[:52]:
        result(person, sample_date=TODAY - DAY)
    result(people[0], result="positive", sample_date=TODAY, test_type="rapid")
    client.force_login(province_cdc)
    client.get(LIST)  # warm the session
    following = client.get(LIST, {"tab": "tested"}).context["pager"]["next"]
    for url in (LIST + "?tab=tested", LIST + following, LIST):
        # The capped count, the page's ids, its rows, their declarations,
        # and the request's own (session, user, menu).
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200
    first = client.get(LIST, {"tab": "tested"})
    page = first.context["page"]
    assert len(page) == 50 and first.context["total"] == 52
    body = first.content.decode()
    top = page[0]
    assert top.pk == people[0].pk and top.row_number == 1
    row = body[body.index(f'<tr id="person-{top.pk}"') :]
    row = row[: row.index("</tr>")]
    url = reverse("testing:person", args=[top.pk])
    assert row.count(f'href="{url}"') == 2
    assert 'class="table-danger"' in row and 'data-count="2"' in row
    assert f'value="{top.pk}" form="batch-form" id="pick-{top.pk}"' in row
    assert f"<td>{places.commune.name}</td>" in row
    assert "<td>SV-1</td>" in row
    assert "Enter results" in row and "Start a case" in row
    assert str(summary_html(top.test_summary)) in row
    second = client.get(LIST + following).context["page"]
    assert [p.row_number for p in second] == [51, 52]
    assert second[0].place == f"{second[0].address}, {places.commune.name}"
    assert "Nobody matches these filters." in client.get(LIST, {"q": "zzz"}).content.decode()


def test_the_summary_markup(make_person, places):
    person = make_person(places.commune)
    result(person, result="positive", sample_date=TODAY, test_type="rapid")
    result(person, sample_date=TODAY - DAY)
    from vigil.testing.summary import TestSummary

    latest = TestResult.objects.filter(person=person).first()
    summary = TestSummary(2, latest.result, latest.sample_date, latest.test_type)
    assert str(summary_html(summary)) == (
        '<span class="test-summary text-danger fw-semibold" data-count="2" data-result="positive">'
        '<span class="badge text-bg-secondary" title="Number of tests">2</span> Positive '
        f'<small class="text-muted">Rapid antigen, {TODAY:%d/%m/%Y}</small></span>'
    )
    assert str(summary_html({}, person.pk)) == (
        '<span class="test-summary" data-count="0" data-result="">'
        '<span class="badge text-bg-light" title="Number of tests">0</span></span>'
    )


def test_a_common_name_matches_by_its_beginning_a_rare_one_anywhere(
    client, province_cdc, places, make_person, monkeypatch
):
    from vigil.people import services

    monkeypatch.setattr(services, "PREFIX_ENOUGH", 2)
    names = ("Nguyễn Minh Dung", "Nguyễn Minh Dũng Anh", "Lê Nguyễn Minh Dung", "Trần Văn Hòa")
    people = {name: make_person(places.commune, name) for name in names}
    for person in people.values():
        declare(person)
    client.force_login(province_cdc)

    def found(q):
        return sorted(p.full_name for p in client.get(LIST, {"q": q}).context["page"])

    # Two names begin so: the beginning only.
    assert found("nguyen minh dung") == ["Nguyễn Minh Dung", "Nguyễn Minh Dũng Anh"]
    # One name begins so: every word anywhere, as before.
    assert found("Lê Nguyễn") == ["Lê Nguyễn Minh Dung"]
    assert found("minh dung") == sorted(names[:3])
    # ID numbers and phones as before.
    person = people["Trần Văn Hòa"]
    assert found(person.id_number) == ["Trần Văn Hòa"]
    assert found(person.phone) == ["Trần Văn Hòa"]


def test_a_province_counts_declared_and_stay_only_people_exactly_up_to_the_cap(
    client, province_cdc, places, make_person, settings
):
    from vigil.quarantine.models import Facility, Stay

    facility = Facility.objects.create(kind="concentrated", name="Khu A", area=places.far)
    declared = [make_person(places.commune, f"Khai {n}") for n in range(3)]
    for person in declared:
        declare(person)
    stayed = [make_person(places.neighbour, f"Ở {n}") for n in range(2)]
    both = make_person(places.commune, "Cả hai")
    declare(both)
    for person in [*stayed, both]:
        Stay.objects.create(
            person=person, facility=facility, start_date=TODAY - DAY, planned_end=TODAY + DAY
        )
    tested = make_person(places.commune, "Đã xét nghiệm")
    declare(tested)
    result(tested)
    make_person(places.commune, "Không khai")  # neither: not on the list
    from vigil.testing.queries import _province_wide

    assert _province_wide(province_cdc)  # counted in two parts
    client.force_login(province_cdc)

    settings.VIGIL_LIST_COUNT_CAP = 100
    response = client.get(LIST)
    # Three declared, two with a stay only, one with both: each counted once.
    assert (response.context["total"], response.context["capped"]) == (6, False)
    assert len(response.context["page"]) == 6
    for cap, expected in ((4, (4, True)), (3, (3, True)), (5, (5, True)), (6, (6, False))):
        settings.VIGIL_LIST_COUNT_CAP = cap
        response = client.get(LIST)
        assert (response.context["total"], response.context["capped"]) == expected, cap
    # The filters narrow both parts.
    settings.VIGIL_LIST_COUNT_CAP = 100
    response = client.get(LIST, {"commune": places.commune.pk})
    assert response.context["total"] == 4
