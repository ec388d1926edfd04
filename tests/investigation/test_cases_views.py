"""The case pages: the list and its filters, the case form (new person, found
person, sources from the picker), stale edits, one case and its actions, open
F0 case from a positive test, the worklists."""

import datetime

import pytest
from django.utils import timezone
from django.utils.timezone import localtime

from vigil.accounts.models import Task
from vigil.audit.models import AuditEvent
from vigil.investigation import services
from vigil.investigation.models import Case, CaseKind
from vigil.people.models import Person
from vigil.quarantine.models import Facility
from vigil.testing import services as testing
from vigil.testing.models import TestResult

F0, CONTACT = CaseKind.CONFIRMED, CaseKind.CONTACT
DAY = datetime.date(2021, 7, 1)


@pytest.fixture
def english(client):
    client.cookies["vigil_language"] = "en"


@pytest.fixture
def hs(make_user, places):
    return make_user("hs.pn", places.commune, tasks=[Task.HEALTH_STATION])


def case_data(places, **extra):
    data = {
        "kind": CONTACT,
        "contact_type": "household",
        "residence": places.commune.pk,
        "detection": places.commune.pk,
        "residence_street": "12 Lê Lợi",
    }
    data.update(extra)
    return data


def rows(response):
    return list(response.context["page"])


def test_the_list_shows_the_cases_in_scope_with_levels_and_tests(
    client, login, cdc, make_case, places, english
):
    f0 = make_case(F0, code="BN1981")
    f1 = make_case(sources=[(f0, DAY)])
    make_case(F0, area=places.far)
    TestResult.objects.create(
        person=f0.person,
        test_type="pcr",
        result="positive",
        sample_date=DAY,
        area_path=places.commune.path,
    )
    response = login(cdc).get("/investigation/cases/", {"commune": places.commune.pk})
    assert response.status_code == 200
    assert {c.pk for c in rows(response)} == {f0.pk, f1.pk}
    assert response.context["total"] == 2
    body = response.content.decode()
    assert "BN1981" in body and "F1" in body and 'id="export-cases"' in body
    assert {c.pk: c.test_count for c in rows(response)} == {f0.pk: 1, f1.pk: 0}


def test_the_list_filters_by_level_kind_and_keyword(client, login, cdc, make_case):
    f0 = make_case(F0, code="BN2001")
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    f3 = make_case(sources=[(f2, DAY)])
    c = login(cdc)

    def ids(**params):
        return {x.pk for x in rows(c.get("/investigation/cases/", params))}

    assert ids(level="0") == {f0.pk}
    assert ids(level="2") == {f2.pk}
    assert ids(level="3+") == {f3.pk}
    assert ids(kind=CONTACT) == {f1.pk, f2.pk, f3.pk}
    assert ids(q="BN20") == {f0.pk}
    assert ids(q=f2.person.id_number) == {f2.pk}
    assert ids(q=f3.person.full_name.lower()) == {f3.pk}
    assert ids(q="nobody at all") == set()


def test_the_list_is_one_query_per_page_whatever_its_length(
    login, cdc, make_case, django_assert_max_num_queries
):
    f0 = make_case(F0)
    for _ in range(8):
        make_case(sources=[(f0, DAY)])
    c = login(cdc)
    c.get("/investigation/cases/")
    with django_assert_max_num_queries(14):
        response = c.get("/investigation/cases/")
    assert len(rows(response)) == 9


def test_a_commune_user_cannot_see_a_far_case(login, hs, make_case, places):
    far = make_case(F0, area=places.far)
    c = login(hs)
    assert c.get(f"/investigation/cases/{far.pk}/").status_code == 404
    assert c.get(f"/investigation/cases/{far.pk}/edit/").status_code == 404
    assert far.pk not in {x.pk for x in rows(c.get("/investigation/cases/"))}


def test_new_f0_with_a_new_person(login, hs, places):
    c = login(hs)
    data = case_data(
        places,
        kind=F0,
        code="bn 3001",
        full_name="Lê Thị Mới",
        birth_year="1985",
        gender="female",
        id_number="046201234567",
        phone="0905111222",
    )
    response = c.post("/investigation/cases/new/", data)
    case = Case.objects.get(code="BN3001")
    assert response.status_code == 302
    assert response["Location"] == f"/investigation/cases/{case.pk}/"
    assert case.level == 0 and case.person.full_name == "Lê Thị Mới"
    assert case.person.area == places.commune


def test_a_refused_case_leaves_no_new_person(login, hs, make_case, places):
    make_case(F0, code="BN4000")
    c = login(hs)
    data = case_data(places, kind=F0, code="BN4000", full_name="Người Thừa", id_number="")
    response = c.post("/investigation/cases/new/", data)
    assert response.status_code == 200
    assert "code" in response.context["form"].errors
    assert not Person.objects.filter(full_name="Người Thừa").exists()


def test_new_contact_of_a_found_person_with_two_sources(login, hs, make_case, make_person, places):
    a, b = make_case(F0), make_case(F0)
    person = make_person(places.commune, "Trần Văn Tiếp")
    c = login(hs)
    page = c.get("/investigation/cases/new/", {"person_q": "tran van tiep"})
    assert person in [m.person for m in page.context["matches"]]
    picker = c.get("/investigation/cases/picker/", {"q": a.code})
    assert f'value="{a.pk}"' in picker.content.decode()
    data = case_data(places, person=person.pk, source=[a.pk, b.pk])
    data[f"contact_date_{a.pk}"] = "01/07/2021"
    response = c.post("/investigation/cases/new/", data)
    assert response.status_code == 302
    case = Case.objects.get(person=person)
    assert case.level == 1
    assert sorted(case.source_links.values_list("source_id", "contact_date")) == sorted(
        [(a.pk, DAY), (b.pk, None)]
    )


def test_a_source_outside_the_area_is_refused(login, hs, make_case, make_person, places):
    far = make_case(F0, area=places.far)
    person = make_person(places.commune)
    c = login(hs)
    response = c.post(
        "/investigation/cases/new/", case_data(places, person=person.pk, source=[far.pk])
    )
    assert response.status_code == 200
    assert not Case.objects.filter(person=person).exists()


def test_a_stale_edit_is_refused_and_keeps_the_input(login, cdc, make_case, places):
    case = make_case(F0, code="BN5000")
    c = login(cdc)
    data = case_data(places, kind=F0, code="BN5000", residence_street="typed", version=case.version)
    Case.objects.filter(pk=case.pk).update(version=case.version + 1)
    response = c.post(f"/investigation/cases/{case.pk}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'value="typed"' in response.content.decode()
    assert Case.objects.get(pk=case.pk).residence_street != "typed"
    data["version"] = case.version + 1
    assert c.post(f"/investigation/cases/{case.pk}/edit/", data).status_code == 302
    assert Case.objects.get(pk=case.pk).residence_street == "typed"


def test_a_stale_edit_names_who_changed_the_record_and_when(
    login, cdc, make_user, make_case, places
):
    case = make_case(F0, code="BN5100")
    other = make_user("cdc.other", places.province, tasks=[Task.CDC], full_name="Trần Thị Bích")
    services.update_case(
        case, actor=other, version=case.version, fields={"residence_street": "12 Lê Lợi"}
    )
    at = localtime(case.events.order_by("-at", "-id").first().at).strftime("%H:%M")
    data = case_data(places, kind=F0, code="BN5100", residence_street="typed", version=case.version)
    response = login(cdc).post(f"/investigation/cases/{case.pk}/edit/", data)
    errors = " ".join(response.context["form"].non_field_errors())
    assert "Trần Thị Bích" in errors and at in errors


def test_the_case_page_is_audited_and_lists_sources_and_contacts(login, cdc, make_case):
    f0 = make_case(F0, code="BN6000")
    f1 = make_case(sources=[(f0, DAY)])
    c = login(cdc)
    response = c.get(f"/investigation/cases/{f0.pk}/")
    assert response.status_code == 200
    assert [link.contact_id for link in response.context["contacts"]] == [f1.pk]
    assert AuditEvent.objects.filter(action="view", object_id=str(f0.pk)).exists()
    response = c.get(f"/investigation/cases/{f1.pk}/")
    assert "BN6000" in response.content.decode()


def test_confirming_an_f1_moves_its_contacts_up(login, cdc, make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    c = login(cdc)
    response = c.post(
        f"/investigation/cases/{f1.pk}/confirm/",
        {
            "confirm-version": f1.version,
            "confirm-code": "BN7000",
            "confirm-confirmed_on": "02/07/2021",
        },
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=f1.pk).level == 0
    assert Case.objects.get(pk=f2.pk).level == 1
    listed = c.get("/investigation/reclassified/")
    assert f2.pk in {x.pk for x in listed.context["page"]}
    f2 = Case.objects.get(pk=f2.pk)
    c.post(f"/investigation/reclassified/{f2.pk}/done/", {"version": f2.version})
    assert Case.objects.get(pk=f2.pk).reclassified_at is None


def test_delete_is_refused_while_contacts_name_the_case(login, cdc, make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    c = login(cdc)
    c.post(f"/investigation/cases/{f0.pk}/delete/", {"delete-version": f0.version})
    assert Case.objects.filter(pk=f0.pk).exists()
    response = c.post(f"/investigation/cases/{f1.pk}/delete/", {"delete-version": f1.version})
    assert response.status_code == 302
    assert not Case.objects.filter(pk=f1.pk).exists()


def test_a_health_station_may_not_delete(login, hs, make_case):
    case = make_case(F0)
    response = login(hs).post(
        f"/investigation/cases/{case.pk}/delete/", {"delete-version": case.version}
    )
    assert response.status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_send_to_facility(login, cdc, make_case, places):
    kcl = Facility.objects.create(kind="concentrated", name="KCL A", area=places.commune)
    case = make_case()
    c = login(cdc)
    response = c.post(
        f"/investigation/cases/{case.pk}/send/",
        {"send-version": case.version, "send-facility": kcl.pk},
    )
    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert case.facility == kcl and case.sent_to_facility_at is not None


def test_open_case_from_a_positive_result(login, cdc, make_person, places):
    person = make_person(places.commune, "Hồ Văn Dương")
    sampled = timezone.localdate() - datetime.timedelta(days=1)
    testing.add_results(
        cdc, person, [{"sample_date": sampled, "test_type": "pcr", "result": "positive"}]
    )
    c = login(cdc)
    page = c.get(f"/investigation/positive/{person.pk}/open-case/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["residence"] == places.commune
    assert form.initial["confirmed_on"] == timezone.localdate() - datetime.timedelta(days=1)
    data = case_data(
        places, code="BN8000", confirmed_on=form.initial["confirmed_on"].strftime("%d/%m/%Y")
    )
    response = c.post(f"/investigation/positive/{person.pk}/open-case/", data)
    assert response.status_code == 302
    case = Case.objects.get(person=person)
    assert case.kind == F0 and case.code == "BN8000"
    assert not TestResult.objects.positive_without_case().filter(person=person).exists()


def test_chain_checks_list_a_contact_without_contact_date(login, cdc, make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, None)])
    from vigil.investigation.models import CaseLink

    CaseLink.objects.filter(contact=f1).update(contact_date=None)
    response = login(cdc).get("/investigation/checks/")
    assert response.status_code == 200
    codes = {code: [i.case.pk for i in issues] for code, _l, issues in response.context["groups"]}
    assert f1.pk in codes["no_contact_date"]
    assert f0.pk in codes["no_positive_test"]


def test_the_export_holds_the_filtered_cases_with_their_level(login, cdc, make_case):
    import io

    import openpyxl

    f0 = make_case(F0, code="BN9000")
    f1 = make_case(sources=[(f0, DAY)])
    make_case(sources=[(f1, DAY)])
    response = login(cdc).get("/reports/export/", {"list": "cases", "level": "1"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet["A1"].value.startswith("Danh sách ca bệnh")
    headers = [c.value for c in sheet[3]]
    assert headers[:2] == ["Mã ca bệnh", "Loại ca bệnh"]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1
    assert rows[0][1] == "F1"
    assert f1.person.full_name in rows[0]


def test_the_positive_worklist_and_the_results_page_offer_open_f0_case(
    login, cdc, hs, make_person, places
):
    person = make_person(places.commune, "Võ Thị Dương")
    testing.add_results(
        cdc, person, [{"sample_date": DAY, "test_type": "pcr", "result": "positive"}]
    )
    link = f'href="/investigation/positive/{person.pk}/open-case/"'
    c = login(cdc)
    assert link in c.get("/tests/positive/").content.decode()
    assert link in c.get(f"/tests/person/{person.pk}/").content.decode()
    # A health station handles positives but does not confirm cases.
    c = login(hs)
    assert link not in c.get("/tests/positive/").content.decode()
    assert c.get(f"/investigation/positive/{person.pk}/open-case/").status_code == 403


def test_the_edit_page_shows_the_record_with_its_sources(login, cdc, make_case):
    f0 = make_case(F0, code="BN9100")
    f1 = make_case(sources=[(f0, DAY)])
    response = login(cdc).get(f"/investigation/cases/{f1.pk}/edit/")
    assert response.status_code == 200
    assert [row.pk for row, _date in response.context["sources"]] == [f0.pk]
    assert 'value="01/07/2021"' in response.content.decode()
