"""Medical monitoring (R-E5): a period opened by CDC's decision, the daily
checks, the due / missed lists, a symptomatic check back to triage, closing."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration, MedicalState
from vigil.investigation import monitoring
from vigil.investigation.models import (
    CaseKind,
    MonitoringCheck,
    MonitoringKind,
    MonitoringPeriod,
    MonitoringStatus,
)
from vigil.triage.services import medical_verify

from ..scope.samples import make_declaration

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def commune_team(make_user, places):
    return make_user("ytt.pn", places.commune, tasks=[Task.COMMUNITY])


@pytest.fixture
def decided(cdc, make_person, places):
    """A declaration CDC decided "home quarantine" for, from 3 days ago."""
    person = make_person(places.commune, "Trần Thị Bình")
    declaration = make_declaration(person, places.commune)
    return medical_verify(
        declaration,
        actor=cdc,
        version=declaration.version,
        symptoms_confirmed=False,
        surveillance="home_quarantine",
        start=TODAY - 3 * DAY,
        end=None,
    )


def test_a_cdc_decision_of_home_quarantine_opens_a_period(decided, settings):
    period = MonitoringPeriod.objects.get(person=decided.person)
    assert period.kind == MonitoringKind.HOME_QUARANTINE
    assert period.start == TODAY - 3 * DAY
    assert period.end == period.start + datetime.timedelta(days=settings.VIGIL_MONITORING_DAYS)
    assert period.declaration_id == decided.pk and period.status == MonitoringStatus.ACTIVE


def test_concentrated_quarantine_opens_no_period(cdc, make_person, places):
    person = make_person(places.commune)
    declaration = make_declaration(person, places.commune)
    medical_verify(
        declaration,
        actor=cdc,
        version=declaration.version,
        symptoms_confirmed=False,
        surveillance="concentrated",
        start=TODAY,
        end=None,
    )
    assert not MonitoringPeriod.objects.filter(person=person).exists()


def test_a_second_period_extends_the_active_one(decided, cdc):
    first = MonitoringPeriod.objects.get(person=decided.person)
    again = monitoring.open_period(
        decided.person, actor=cdc, kind=MonitoringKind.CONTACT, start=TODAY, end=TODAY + 20 * DAY
    )
    assert again.pk == first.pk and again.end == TODAY + 20 * DAY
    assert MonitoringPeriod.objects.filter(person=decided.person).count() == 1


def test_a_contact_not_sent_to_a_facility_is_monitored_from_the_last_contact(make_case):
    source = make_case(CaseKind.CONFIRMED)
    contact = make_case(CaseKind.CONTACT, sources=[(source, TODAY - 2 * DAY)])
    period = MonitoringPeriod.objects.get(person=contact.person)
    assert period.kind == MonitoringKind.CONTACT and period.case_id == contact.pk
    assert period.start == TODAY - 2 * DAY


def test_due_today_and_missed_lists(decided, cdc, commune_team, make_user, places):
    period = MonitoringPeriod.objects.get(person=decided.person)
    assert list(monitoring.due_today(commune_team)) == [period]
    assert list(monitoring.missed(commune_team)) == [period]
    assert monitoring.count_due(commune_team) == 1
    far = make_user("far.ytt", places.far, tasks=[Task.COMMUNITY])
    assert monitoring.count_due(far) == 0
    monitoring.record_check(period, actor=commune_team, date=TODAY - DAY, temperature="36.6")
    assert list(monitoring.missed(commune_team)) == []
    assert list(monitoring.due_today(commune_team)) == [period]
    monitoring.record_check(period, actor=commune_team, date=TODAY, temperature="36.7")
    assert list(monitoring.due_today(commune_team)) == []


def test_a_period_that_began_today_has_not_missed_anything(cdc, make_person, places):
    person = make_person(places.commune)
    monitoring.open_period(person, actor=cdc, kind=MonitoringKind.SELF_MONITORING, start=TODAY)
    assert not monitoring.missed(cdc).filter(person=person).exists()
    assert monitoring.due_today(cdc).filter(person=person).exists()


def test_checks_are_refused_outside_the_period_and_out_of_range(decided, commune_team):
    period = MonitoringPeriod.objects.get(person=decided.person)
    with pytest.raises(ValidationError) as exc:
        monitoring.record_check(period, actor=commune_team, date=TODAY - 10 * DAY)
    assert "date" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        monitoring.record_check(period, actor=commune_team, date=TODAY, temperature="45")
    assert "temperature" in exc.value.message_dict
    assert not MonitoringCheck.objects.exists()


def test_a_second_check_the_same_day_needs_the_version(decided, commune_team):
    period = MonitoringPeriod.objects.get(person=decided.person)
    monitoring.record_check(period, actor=commune_team, date=TODAY, temperature="36.5")
    with pytest.raises(monitoring.StalePeriod):
        monitoring.record_check(
            period, actor=commune_team, version=period.version, date=TODAY, temperature="36.9"
        )
    period.refresh_from_db()
    monitoring.record_check(
        period, actor=commune_team, version=period.version, date=TODAY, temperature="36.9"
    )
    assert MonitoringCheck.objects.get().temperature == Decimal("36.9")


def test_a_symptomatic_check_puts_the_person_in_cdc_triage(decided, commune_team):
    assert decided.medical_state == MedicalState.VERIFIED
    assert not Declaration.objects.awaiting_medical().filter(pk=decided.pk).exists()
    period = MonitoringPeriod.objects.get(person=decided.person)
    monitoring.record_check(
        period, actor=commune_team, date=TODAY, temperature="36.8", symptoms={"sym_cough": True}
    )
    decided.refresh_from_db()
    assert decided.medical_state == MedicalState.PENDING
    assert Declaration.objects.awaiting_medical().filter(pk=decided.pk).exists()
    assert decided.events.order_by("-id").first().action == "monitoring_symptoms"


def test_fever_alone_is_symptomatic(decided, commune_team):
    period = MonitoringPeriod.objects.get(person=decided.person)
    monitoring.record_check(period, actor=commune_team, date=TODAY, temperature="38.0")
    decided.refresh_from_db()
    assert decided.medical_state == MedicalState.PENDING


def test_someone_with_no_declaration_is_listed_for_cdc(cdc, make_person, places):
    person = make_person(places.commune)
    period = monitoring.open_period(person, actor=cdc, kind="contact", start=TODAY)
    monitoring.record_check(period, actor=cdc, date=TODAY, symptoms={"sym_fever": True})
    assert list(monitoring.symptomatic_without_declaration(cdc)) == [period]


def test_close_completed_or_lost(decided, commune_team):
    period = MonitoringPeriod.objects.get(person=decided.person)
    with pytest.raises(ValidationError):
        monitoring.close_period(period, actor=commune_team, version=period.version, status="lost")
    with pytest.raises(monitoring.StalePeriod):
        monitoring.close_period(period, actor=commune_team, version=99, status="completed")
    closed = monitoring.close_period(
        period, actor=commune_team, version=period.version, status="completed"
    )
    assert closed.status == MonitoringStatus.COMPLETED and closed.closed_by == commune_team
    with pytest.raises(ValidationError):
        monitoring.record_check(closed, actor=commune_team, date=TODAY)
    assert list(monitoring.ended(commune_team)) == [closed]


def test_the_list_page_tabs_and_filters(decided, commune_team, login):
    client = login(commune_team)
    url = reverse("investigation:monitoring")
    page = client.get(url)
    assert page.status_code == 200 and page.context["total"] == 1
    assert "Trần Thị Bình" in page.content.decode()
    assert client.get(url, {"tab": "ended"}).context["total"] == 0
    assert client.get(url, {"tab": "active", "q": "binh"}).context["total"] == 1
    assert client.get(url, {"tab": "active", "q": "khong co"}).context["total"] == 0


def test_the_period_page_records_a_check_and_closes(decided, commune_team, login):
    period = MonitoringPeriod.objects.get(person=decided.person)
    client = login(commune_team)
    url = reverse("investigation:period", args=[period.pk])
    response = client.post(
        url,
        {"date": TODAY.strftime("%d/%m/%Y"), "temperature": "36.6", "version": period.version},
    )
    assert response.status_code == 302
    assert MonitoringCheck.objects.filter(period=period, date=TODAY).exists()
    response = client.post(url, {"date": TODAY.strftime("%d/%m/%Y"), "temperature": "50"})
    assert response.status_code == 422 and "temperature" in response.context["check_form"].errors
    period.refresh_from_db()
    close = reverse("investigation:period-close", args=[period.pk])
    response = client.post(close, {"status": "lost", "note": "", "version": period.version})
    assert response.status_code == 422
    response = client.post(close, {"status": "lost", "note": "Đi khỏi địa phương",
                                   "version": period.version})  # fmt: skip
    assert response.status_code == 302
    period.refresh_from_db()
    assert period.status == MonitoringStatus.LOST


def test_out_of_scope_period_answers_404(decided, make_user, places, login):
    period = MonitoringPeriod.objects.get(person=decided.person)
    far = login(make_user("far.ytt", places.far, tasks=[Task.COMMUNITY]))
    assert far.get(reverse("investigation:period", args=[period.pk])).status_code == 404
    response = far.post(
        reverse("investigation:period-close", args=[period.pk]),
        {"status": "completed", "version": period.version},
    )
    assert response.status_code == 404
    period.refresh_from_db()
    assert period.status == MonitoringStatus.ACTIVE
