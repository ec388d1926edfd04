"""The test pages (R-T1..R-T3): lists, entry, batch, lab sheet, statistics."""

import datetime
import io
from operator import attrgetter

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from vigil.accounts.models import Task
from vigil.declarations import questions
from vigil.declarations.models import Declaration
from vigil.jobs.models import Job
from vigil.quarantine.models import Facility, Stay
from vigil.testing import imports, services, summary
from vigil.testing.models import TestResult


@pytest.fixture(autouse=True)
def english(client):
    """These tests read the messages in English (the source text): the
    Vietnamese of each message is checked by the translation catalogue."""
    client.cookies["vigil_language"] = "en"
    with translation.override("en"):
        yield


TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
LIST = reverse("testing:list")


def ddmm(day):
    return day.strftime("%d/%m/%Y")


def declare(person, area=None, arrival=TODAY - 2 * DAY, **fields):
    return Declaration.objects.create(
        person=person,
        registration_kind=fields.pop("registration_kind", "return_home"),
        departure_country_id="VN",
        area=area or person.area,
        address="1 Lê Lợi",
        transport="car",
        arrival_date=arrival,
        channel="walk_in",
        **fields,
    )


def result(person, **changes):
    row = {"sample_date": TODAY - DAY, "test_date": TODAY, "test_type": "pcr", "test_id": "",
           "result": "negative", "batch_code": "", "sampling_unit": "CDC Huế"}  # fmt: skip
    row.update(changes)
    return services.add_results(None, person, [row])[0]


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.phunhuan", places.commune, tasks=[Task.CDC])


@pytest.fixture
def district_cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def province_cdc(make_user, places):
    return make_user("cdc.tinh", places.province, tasks=[Task.CDC])


def listed(response):
    return [p.pk for p in response.context["page"]]


# The lists -------------------------------------------------------------------


def test_people_move_from_not_tested_to_tested_after_a_result(client, cdc, places, make_person):
    arrived = make_person(places.commune, "Trần Văn Về")
    declare(arrived)
    tested = make_person(places.commune, "Lê Thị Thử")
    result(tested)
    make_person(places.commune, "Ngô Văn Khác")  # never declared, stayed, nor tested
    client.force_login(cdc)

    response = client.get(LIST)
    assert response.status_code == 200
    assert (response.context["tab"], response.context["total"]) == ("untested", 1)
    assert listed(response) == [arrived.pk]
    response = client.get(LIST, {"tab": "tested"})
    assert (response.context["total"], listed(response)) == (1, [tested.pk])
    assert 'id="tab-tested"' in response.content.decode()

    result(arrived)
    assert listed(client.get(LIST)) == []
    response = client.get(LIST, {"tab": "tested"})
    assert sorted(listed(response)) == sorted([arrived.pk, tested.pk])
    assert {p.pk: p.test_summary.count for p in response.context["page"]} == {
        arrived.pk: 1,
        tested.pk: 1,
    }


def test_quarantined_people_are_listed_wherever_their_facility_is(client, cdc, places, make_person):
    person = make_person(places.commune, "Phan Văn Cách")
    facility = Facility.objects.create(kind="concentrated", name="Khu cách ly A", area=places.far)
    Stay.objects.create(
        person=person, facility=facility, start_date=TODAY - DAY, planned_end=TODAY + 13 * DAY
    )
    client.force_login(cdc)
    assert listed(client.get(LIST)) == [person.pk]
    assert listed(client.get(LIST, {"date_from": ddmm(TODAY - DAY)})) == [person.pk]
    assert listed(client.get(LIST, {"date_to": ddmm(TODAY - 2 * DAY)})) == []


def test_the_list_shows_masked_identity_and_the_latest_declaration(
    client, cdc, places, make_person
):
    person = make_person(
        places.commune, "Hồ Thị Mask", id_number="046123456789", phone="0905123456"
    )
    declare(person, registration_kind="student", student_code="SV-2021-7", exp_case_contact=True,
            sym_cough=True, cond_diabetes=True)  # fmt: skip
    client.force_login(cdc)
    body = client.get(LIST).content.decode()
    assert "046123456789" not in body and "0905123456" not in body
    assert "04•••••••789" in body and "090••••456" in body
    row = client.get(LIST).context["page"][0]
    assert row.declaration.student_code == "SV-2021-7"
    assert [str(x) for x in row.exposures] == [str(questions.EXPOSURES[0][1])]
    labels = dict(questions.ALL)
    assert [str(x) for x in row.symptoms] == [str(labels["sym_cough"])]
    assert [str(x) for x in row.conditions] == [str(labels["cond_diabetes"])]
    assert "SV-2021-7" in body


def test_filters(client, district_cdc, places, make_person):
    a = make_person(places.commune, "Nguyễn Văn Tiếp", phone="0905000111")
    declare(a, arrival=TODAY - 10 * DAY, exp_case_contact=True, surveillance="home_quarantine")
    b = make_person(places.neighbour, "Trần Thị Vùng", id_number="046111222333")
    declare(b, exp_from_epidemic_area=True)
    # Only the latest declaration counts: an old contact does not.
    declare(b, arrival=TODAY - 20 * DAY, exp_case_contact=True)
    Declaration.objects.filter(person=b, exp_case_contact=True).update(
        created_at=timezone.now() - 10 * DAY
    )
    client.force_login(district_cdc)

    def people(**params):
        return sorted(listed(client.get(LIST, params)))

    assert people() == sorted([a.pk, b.pk])
    assert people(commune=places.commune.pk) == [a.pk]
    assert people(district=places.district.pk) == sorted([a.pk, b.pk])
    assert people(contact="exp_case_contact") == [a.pk]
    assert people(contact="exp_from_epidemic_area") == [b.pk]
    assert people(surveillance="home_quarantine") == [a.pk]
    assert people(q="nguyen van tiep") == [a.pk]
    assert people(q="TIEP") == [a.pk]
    assert people(q="046 111 222 333") == [b.pk]
    assert people(q="+84 905 000 111") == [a.pk]
    # Not tested: the arrival date of any of their declarations.
    assert people(date_from=ddmm(TODAY - 5 * DAY)) == [b.pk]
    assert people(date_from=ddmm(TODAY - 12 * DAY), date_to=ddmm(TODAY - 5 * DAY)) == [a.pk]
    assert people(date_to=ddmm(TODAY - 15 * DAY)) == [b.pk]
    # Tested: the sample date.
    result(a, sample_date=TODAY - 3 * DAY)
    result(b, sample_date=TODAY - DAY)
    tested = {"tab": "tested"}
    assert people(**tested, date_from=ddmm(TODAY - DAY)) == [b.pk]
    assert people(**tested, date_to=ddmm(TODAY - 2 * DAY)) == [a.pk]
    # A commune outside the jurisdiction empties the list rather than being ignored.
    assert people(commune=places.far.pk) == []


def test_a_commune_user_sees_only_their_commune(client, cdc, places, make_person):
    mine = make_person(places.commune, "Người Của Tôi")
    declare(mine)
    theirs = make_person(places.neighbour, "Người Phường Bên")
    declare(theirs)
    result(theirs, test_id="BEN-1")
    client.force_login(cdc)
    assert listed(client.get(LIST)) == [mine.pk]
    assert listed(client.get(LIST, {"tab": "tested"})) == []
    assert client.get(reverse("testing:person", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("testing:person", args=[theirs.pk]), {})
    assert response.status_code == 404
    assert client.get(reverse("testing:person", args=[mine.pk])).status_code == 200


def test_a_district_user_sees_every_commune_of_the_district(
    client, district_cdc, places, make_person
):
    people = [make_person(places.commune, "A"), make_person(places.neighbour, "B")]
    far = make_person(places.far, "C")
    for person in [*people, far]:
        declare(person)
    client.force_login(district_cdc)
    assert sorted(listed(client.get(LIST))) == sorted(p.pk for p in people)
    assert client.get(reverse("testing:person", args=[far.pk])).status_code == 404


def test_a_positive_latest_result_is_highlighted_without_a_dead_link(
    client, cdc, places, make_person
):
    person = make_person(places.commune)
    result(person, result="positive")
    client.force_login(cdc)
    response = client.get(LIST, {"tab": "tested"})
    body = response.content.decode()
    assert response.context["page"][0].test_summary.positive
    row = body[body.index(f'id="person-{person.pk}"') - 10 :]
    row = row[: row.index("</tr>")]
    assert "table-danger" in row
    assert "start-case" in row and "disabled" in row
    assert "Start of a case once the investigation module exists" in row


def test_the_list_runs_a_bounded_number_of_queries(
    client, province_cdc, places, make_person, django_assert_max_num_queries
):
    for n in range(30):
        person = make_person(places.commune if n % 2 else places.neighbour, f"Người {n}")
        declare(person, exp_case_contact=bool(n % 3), sym_fever=True)
        if n % 2:
            result(person)
            result(person, result="positive", sample_date=TODAY)
    client.force_login(province_cdc)
    client.get(LIST)  # warm the session
    for params in ({}, {"tab": "tested"}, {"tab": "tested", "contact": "exp_case_contact"}):
        # The capped count, the page's ids (tested: a chunk of results, then
        # which of their people the filters keep), its rows, their declarations.
        with django_assert_max_num_queries(12):
            response = client.get(LIST, params)
        assert response.context["total"] == (10 if "contact" in params else 15)
        assert len(response.context["page"]) == response.context["total"]


def test_the_summary_for_other_lists_takes_one_query(
    cdc, places, make_person, django_assert_num_queries
):
    people = [make_person(places.commune, f"P{n}") for n in range(5)]
    result(people[0], sample_date=TODAY - 3 * DAY)
    result(people[0], result="positive", sample_date=TODAY - DAY, test_type="rapid")
    outside = make_person(places.far)
    result(outside)
    with django_assert_num_queries(1):
        summaries = summary.tests_summary(cdc, [p.pk for p in people] + [outside.pk])
    first = summaries[people[0].pk]
    assert (first.count, first.result, first.test_type) == (2, "positive", "rapid")
    assert first.positive and str(first.result_label) == "Positive"
    assert summaries[people[1].pk].count == 0
    assert summaries[outside.pk].count == 0  # results outside scope are not counted
    declarations = [declare(p) for p in people[:2]]
    summary.attach_test_summaries(cdc, declarations, person_id=attrgetter("person_id"))
    assert [d.test_summary.count for d in declarations] == [2, 0]


def test_leaders_read_but_do_not_enter_and_others_are_refused(
    client, make_user, places, make_person
):
    person = make_person(places.commune)
    declare(person)
    leader = make_user("leader", places.commune, tasks=[Task.LEADER])
    client.force_login(leader)
    assert client.get(LIST).status_code == 200
    assert client.get(reverse("testing:stats")).status_code == 200
    page = client.get(reverse("testing:person", args=[person.pk]))
    assert page.status_code == 200 and "results-form" not in page.content.decode()
    assert client.post(reverse("testing:person", args=[person.pk]), {}).status_code == 403
    assert client.get(reverse("testing:batch")).status_code == 403
    assert client.get(reverse("testing:import")).status_code == 403
    client.force_login(make_user("police", places.commune, tasks=[Task.POLICE]))
    assert client.get(LIST).status_code == 403


# One person's results ------------------------------------------------------------


def rows_data(*rows):
    data = {"rows-TOTAL_FORMS": str(len(rows)), "rows-INITIAL_FORMS": "0",
            "rows-MIN_NUM_FORMS": "1", "rows-MAX_NUM_FORMS": "50"}  # fmt: skip
    for i, row in enumerate(rows):
        base = {"sampling_unit": "TTYT Huế", "batch_code": "", "test_id": f"XN-{i}",
                "sample_date": ddmm(TODAY - DAY), "test_date": ddmm(TODAY), "test_type": "pcr",
                "result": "negative", "checkpoint": ""}  # fmt: skip
        base.update(row)
        data.update({f"rows-{i}-{k}": v for k, v in base.items()})
    return data


def test_several_results_are_added_for_one_person(client, cdc, places, make_person):
    person = make_person(places.commune)
    client.force_login(cdc)
    url = reverse("testing:person", args=[person.pk])
    page = client.get(url)
    assert page.context["formset"].forms[0].initial["sample_date"] == TODAY
    response = client.post(url, rows_data({}, {"result": "pending", "test_date": ""}))
    assert response.status_code == 302
    saved = TestResult.objects.filter(person=person).order_by("test_id")
    assert [(r.test_id, r.result, r.test_date) for r in saved] == [
        ("XN-0", "negative", TODAY),
        ("XN-1", "pending", None),
    ]
    assert saved[0].created_by == cdc
    # The sampling unit is offered again on the next row.
    assert client.get(url).context["formset"].forms[0].initial["sampling_unit"] == "TTYT Huế"


@pytest.mark.parametrize(
    ("bad", "field", "message"),
    [
        ({"sample_date": ddmm(TODAY), "test_date": ddmm(TODAY - DAY)}, "test_date",
         "The test date is before the sample date."),
        ({"sample_date": ddmm(TODAY + DAY), "test_date": ""}, "sample_date",
         "The sample date cannot be in the future."),
        ({"test_date": ddmm(TODAY + DAY)}, "test_date", "The test date cannot be in the future."),
        ({"test_date": ""}, "test_date", "Enter the test date"),
    ],
)  # fmt: skip
def test_a_bad_row_is_refused_next_to_its_field_and_nothing_is_saved(
    client, cdc, places, make_person, bad, field, message
):
    person = make_person(places.commune)
    client.force_login(cdc)
    data = rows_data({"test_id": "GOOD-ROW"}, {"test_id": "TYPED-KEPT", **bad})
    response = client.post(reverse("testing:person", args=[person.pk]), data)
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert not forms[0].errors
    assert message in " ".join(forms[1].errors[field])
    assert not TestResult.objects.exists()
    body = response.content.decode()
    assert 'value="TYPED-KEPT"' in body and 'value="GOOD-ROW"' in body
    assert f'id="id_rows-1-{field}_error"' in body


def test_an_empty_extra_row_is_ignored(client, cdc, places, make_person):
    person = make_person(places.commune)
    client.force_login(cdc)
    data = rows_data({})
    data.update({"rows-TOTAL_FORMS": "2", "rows-1-sample_date": ddmm(TODAY)})  # the default
    response = client.post(reverse("testing:person", args=[person.pk]), data)
    assert response.status_code == 302
    assert TestResult.objects.filter(person=person).count() == 1


# Batch entry ---------------------------------------------------------------------------


def batch_data(**changes):
    data = {"action": "save", "batch_code": "G-07", "sampling_unit": "CDC Huế", "test_id": "",
            "sample_date": ddmm(TODAY), "test_date": ddmm(TODAY), "test_type": "pcr",
            "result": "negative", "checkpoint": "", "lines": ""}  # fmt: skip
    data.update(changes)
    return data


def test_a_batch_of_three_people_gets_one_group_code(client, cdc, places, make_person):
    ticked = make_person(places.commune, "Đã Tích")
    by_id = make_person(places.commune, "Theo Số", id_number="046288880001")
    by_code = make_person(places.commune, "Theo Mã")
    code = declare(by_code).code
    client.force_login(cdc)
    page = client.get(reverse("testing:batch"), {"person": [ticked.pk]})
    assert [p.pk for p in page.context["people"]] == [ticked.pk]

    data = batch_data(person=[ticked.pk], lines=f"046 288 880 001\n{code.lower()}\n")
    response = client.post(reverse("testing:batch"), data)
    assert response.status_code == 302
    assert response["Location"].endswith("?tab=tested")
    saved = TestResult.objects.filter(batch_code="G-07")
    assert sorted(saved.values_list("person_id", flat=True)) == sorted(
        [ticked.pk, by_id.pk, by_code.pk]
    )
    assert set(saved.values_list("test_type", "result")) == {("pcr", "negative")}


def test_lines_that_match_nobody_are_reported_and_nothing_is_saved(
    client, cdc, places, make_person
):
    person = make_person(places.commune, id_number="046288880002")
    far = make_person(places.far, id_number="046999000111")
    client.force_login(cdc)
    lines = "046288880002\n046999000111\nkhông ai"
    response = client.post(reverse("testing:batch"), batch_data(lines=lines))
    assert response.status_code == 200
    assert response.context["unmatched"] == ["046999000111", "không ai"]
    assert [p.pk for p in response.context["people"]] == [person.pk]
    assert "lines" in response.context["form"].errors
    assert not TestResult.objects.exists()
    # A phone shared by two people names neither.
    make_person(places.commune, "Anh", phone="0905777888")
    make_person(places.commune, "Em", phone="0905777888")
    response = client.post(reverse("testing:batch"), batch_data(lines="0905 777 888"))
    assert response.context["ambiguous"] == ["0905 777 888"]
    assert not TestResult.objects.exists()
    # An out-of-scope tick is not taken either.
    response = client.post(reverse("testing:batch"), batch_data(person=[far.pk]))
    assert response.status_code == 200 and not TestResult.objects.exists()
    assert response.context["people"] == []
    # "Find" moves the lines that matched into the ticked list.
    response = client.post(reverse("testing:batch"), batch_data(action="find", lines=lines))
    assert [p.pk for p in response.context["people"]] == [person.pk]
    assert response.context["form"].initial["lines"] == "046999000111\nkhông ai"
    assert response.context["form"].initial["batch_code"] == "G-07"
    assert not TestResult.objects.exists()


def test_a_batch_needs_a_group_code_and_a_good_row(client, cdc, places, make_person):
    person = make_person(places.commune)
    client.force_login(cdc)
    response = client.post(reverse("testing:batch"), batch_data(person=[person.pk], batch_code=""))
    assert "batch_code" in response.context["form"].errors
    response = client.post(
        reverse("testing:batch"), batch_data(person=[person.pk], sample_date=ddmm(TODAY + DAY))
    )
    assert "sample_date" in response.context["form"].errors
    assert not TestResult.objects.exists()


# The lab sheet ------------------------------------------------------------------------


def sheet(rows, headers=("ID xét nghiệm", "Kết quả", "Ngày xét nghiệm")):
    book = openpyxl.Workbook()
    book.active.title = "Kết quả"
    book.active.append(list(headers))
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("kq.xlsx", buffer.getvalue(), content_type=imports.XLSX_TYPE)


def pending(person, test_id, **changes):
    return result(person, test_id=test_id, result="pending", test_date=None, **changes)


def upload(client, rows, **kwargs):
    return client.post(reverse("testing:import"), {"file": sheet(rows, **kwargs)})


def test_a_lab_sheet_sets_results_by_test_id(client, cdc, places, make_person):
    a, b = make_person(places.commune, "A"), make_person(places.commune, "B")
    pending(a, "L-001")
    pending(b, "L-002")
    client.force_login(cdc)
    response = upload(client, [
        ("L-001", "Dương tính", TODAY),                 # a date cell
        ("L-002", "am tinh", ddmm(TODAY)),              # text, folded
        ("L-404", "Không xác định", ddmm(TODAY)),
    ])  # fmt: skip
    outcome = response.context["result"]
    assert (outcome.ok, outcome.updated, outcome.unknown) == (True, 2, ["L-404"])
    got = dict(TestResult.objects.values_list("test_id", "result"))
    assert got == {"L-001": "positive", "L-002": "negative"}
    assert TestResult.objects.get(test_id="L-001").test_date == TODAY
    assert "L-404" in response.content.decode()


def test_a_bad_row_reports_its_number_and_saves_nothing(client, cdc, places, make_person):
    person = make_person(places.commune)
    pending(person, "L-1")
    pending(person, "L-2", sample_date=TODAY)
    client.force_login(cdc)
    response = upload(client, [
        ("L-1", "Âm tính", ddmm(TODAY)),
        (None, None, None),                           # blank rows are skipped
        ("L-1", "Dương tính", ddmm(TODAY)),           # row 4: contradicts row 2
        ("L-3", "có lẽ", ddmm(TODAY)),                # row 5: unknown result
        ("L-4", "Âm tính", ddmm(TODAY + DAY)),        # row 6: in the future
        ("L-2", "Âm tính", ddmm(TODAY - DAY)),        # row 7: before the sample date
        ("", "Âm tính", "hôm qua"),                   # row 8: no ID, no date
    ])  # fmt: skip
    outcome = response.context["result"]
    assert [e.row for e in outcome.errors] == [4, 5, 6, 7, 8]
    assert "row 2" in str(outcome.errors[0])
    body = response.content.decode()
    assert 'data-row="7"' in body and "Row 7:" in body
    assert set(TestResult.objects.values_list("result", flat=True)) == {"pending"}


def test_an_out_of_scope_test_id_is_unknown_and_unchanged(
    client, cdc, places, make_person, make_user
):
    mine, far = make_person(places.commune), make_person(places.far)
    pending(mine, "IN-1")
    pending(far, "FAR-1")
    client.force_login(cdc)
    outcome = upload(client, [("IN-1", "Âm tính", ddmm(TODAY)),
                              ("FAR-1", "Dương tính", ddmm(TODAY))]).context["result"]  # fmt: skip
    assert (outcome.updated, outcome.unknown) == (1, ["FAR-1"])
    assert TestResult.objects.get(test_id="FAR-1").result == "pending"
    # A far test dated before its sample would be refused in scope, but outside
    # scope it is only unknown: the sheet learns nothing about it.
    outcome = upload(client, [("FAR-1", "Âm tính", ddmm(TODAY - 5 * DAY))]).context["result"]
    assert (outcome.errors, outcome.unknown) == ([], ["FAR-1"])


def test_every_member_of_a_pooled_sample_gets_the_result(client, cdc, places, make_person):
    people = [make_person(places.commune, f"Gộp {n}") for n in range(3)]
    services.add_batch(None, people, {"batch_code": "POOL", "test_id": "P-9", "test_type": "pooled",
                                      "sample_date": TODAY, "result": "pending"})  # fmt: skip
    client.force_login(cdc)
    outcome = upload(client, [("P-9", "Âm tính", ddmm(TODAY))]).context["result"]
    assert (outcome.updated, outcome.unknown) == (3, [])
    assert set(TestResult.objects.values_list("result", flat=True)) == {"negative"}


def test_files_that_are_not_the_sheet_are_refused(client, cdc):
    client.force_login(cdc)
    outcome = upload(client, [("x", "Âm tính", "01/01/2021")], headers=("Mã", "KQ", "Ngày"))
    assert "ID xét nghiệm" in outcome.context["result"].file_error
    bogus = SimpleUploadedFile("kq.xlsx", b"not a zip", content_type=imports.XLSX_TYPE)
    response = client.post(reverse("testing:import"), {"file": bogus})
    assert response.context["result"].file_error == gettext(
        "This is not an Excel .xlsx file. Save it as .xlsx (Excel Workbook) and try again."
    )


def test_a_refused_sheet_is_said_next_to_the_file_field(client, cdc, settings):
    settings.VIGIL_IMPORT_BLANK_RUN = 3
    client.force_login(cdc)
    rows = [("L-1", "Âm tính", ddmm(TODAY)), *[(None, None, None)] * 3, ("L-2", "x", "y")]
    response = upload(client, rows)
    # Three blank rows end the sheet: row 6 is never read.
    outcome = response.context["result"]
    assert outcome.rows == 1 and not outcome.errors
    response = upload(client, [], headers=("Mã", "KQ", "Ngày"))
    assert response.context["form"].errors["file"] == [response.context["result"].file_error]
    assert 'id="import-file-error"' not in response.content.decode()


def test_a_large_sheet_is_applied_by_the_worker(client, cdc, places, make_person, settings,
                                                tmp_path):  # fmt: skip
    settings.VIGIL_IMPORT_SYNC_ROWS = 1
    settings.VIGIL_IMPORT_DIR = str(tmp_path)
    person = make_person(places.commune)
    pending(person, "L-1")
    client.force_login(cdc)
    response = upload(client, [("L-1", "Dương tính", ddmm(TODAY)), ("L-9", "Âm tính", ddmm(TODAY))])
    job = Job.objects.get(kind=imports.JOB_KIND, created_by=cdc)
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk]) + "?back=lab_import"
    assert (job.state, job.result) == (
        Job.State.DONE, {"rows": 2, "updated": 1, "unknown": ["L-9"]}
    )  # fmt: skip
    assert TestResult.objects.get(test_id="L-1").result == "positive"
    assert list(tmp_path.iterdir()) == []
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-done"' in page and "L-9" in page
    assert f'href="{reverse("testing:import")}"' in page


def test_the_template_downloads_and_opens(client, cdc):
    client.force_login(cdc)
    response = client.get(reverse("testing:import-template"))
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_TYPE
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Kết quả"]
    assert [c.value for c in sheet[1]] == ["ID xét nghiệm *", "Kết quả *", "Ngày xét nghiệm *"]
    assert sheet.column_dimensions["A"].number_format == "@"  # test IDs as text
    assert "Hướng dẫn" in book.sheetnames


# Statistics ------------------------------------------------------------------------


def test_statistics_count_within_scope(client, district_cdc, places, make_person):
    a, b = make_person(places.commune), make_person(places.neighbour)
    far = make_person(places.far)
    result(a, sample_date=TODAY, result="positive", test_type="rapid", checkpoint="Chốt Phú Bài")
    result(a, sample_date=TODAY - DAY)
    result(b, sample_date=TODAY - DAY, result="pending", test_date=None)
    result(b, sample_date=TODAY - 40 * DAY)  # outside the last 30 days
    result(far, sample_date=TODAY)
    client.force_login(district_cdc)

    context = client.get(reverse("testing:stats")).context
    assert context["totals"]["total"] == 3 and context["totals"]["positive"] == 1
    days = {day: (total, positive) for day, total, positive in context["by_day"]["days"]}
    assert len(days) == 30
    assert days[TODAY] == (1, 1) and days[TODAY - DAY] == (2, 0)
    communes = {row["name"]: row for row in context["by_commune"]}
    assert set(communes) == {places.commune.name, places.neighbour.name}
    assert communes[places.commune.name]["total"] == 2
    assert communes[places.neighbour.name]["pending"] == 1
    by_type = {str(label): (cells, total) for label, cells, total in context["by_type"]}
    assert by_type["Rapid antigen"] == ([0, 1, 0, 0], 1)
    assert by_type["RT-PCR"] == ([1, 0, 0, 1], 2)

    checkpoint = client.get(reverse("testing:stats"), {"checkpoint_only": "on"}).context
    assert checkpoint["totals"]["total"] == 1
    assert [row["checkpoint"] for row in checkpoint["by_checkpoint"]] == ["Chốt Phú Bài"]
    longer = client.get(reverse("testing:stats"), {"date_from": ddmm(TODAY - 60 * DAY)}).context
    assert longer["totals"]["total"] == 4


def test_a_refusal_only_the_service_sees_is_shown_and_nothing_is_saved(
    client, cdc, places, make_person, monkeypatch
):
    """A row can turn bad between the form's check and the save (midnight, a
    rule of the service the form does not know): the page still says why."""

    def refuse(actor, person, rows):
        raise ValidationError({"result": "Refused by the service."})

    monkeypatch.setattr(services, "add_results", refuse)
    person = make_person(places.commune)
    client.force_login(cdc)
    response = client.post(reverse("testing:person", args=[person.pk]), rows_data({}))
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == ["Refused by the service."]
    assert "Refused by the service." in response.content.decode()
    assert not TestResult.objects.exists()
