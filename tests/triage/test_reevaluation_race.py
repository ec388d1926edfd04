"""The risk re-evaluation never overwrites a staff decision nor loses a
concurrent change (issue: one unbroken record, finding 2).

The first tests interleave the job and a CDC verification deterministically
in one thread (any database); the last ones run them on two connections of
PostgreSQL, where the race is real, in both orders.
"""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections

from vigil.areas.models import AdminUnit
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration, MedicalState, Surveillance
from vigil.declarations.services import StaleDeclaration, submit_declaration
from vigil.jobs.models import Job
from vigil.triage import services
from vigil.triage.models import RiskRule

from ..declarations.helpers import form_data

TODAY = datetime.date.today()


def declare(places, **answers):
    form = DeclarationForm(form_data(places.commune, **dict.fromkeys(answers, "1")))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


def verify_concentrated(declaration, cdc, version=None):
    return services.medical_verify(
        declaration,
        actor=cdc,
        version=declaration.version if version is None else version,
        symptoms_confirmed=True,
        surveillance=Surveillance.CONCENTRATED,
        start=TODAY,
        end=TODAY + datetime.timedelta(days=14),
    )


def make_cough_green():
    """A rule change after which nobody is flagged any more."""
    RiskRule.objects.update(active=False)


def run_job(cdc):
    job = Job.objects.create(kind="reevaluate_risk", created_by=cdc)
    services.reevaluate(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    return job


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=["cdc"])


def test_a_verification_made_while_the_job_evaluates_is_kept(places, cdc, monkeypatch):
    declaration = declare(places, sym_cough=1)
    assert declaration.medical_state == MedicalState.PENDING
    make_cough_green()
    real = services.provided_facts
    done = {}

    def cdc_verifies_meanwhile(rows):
        # The job has read the chunk; CDC saves before the job writes.
        if not done:
            done["d"] = verify_concentrated(Declaration.objects.get(pk=declaration.pk), cdc)
        return real(rows)

    monkeypatch.setattr(services, "provided_facts", cdc_verifies_meanwhile)
    run_job(cdc)
    declaration.refresh_from_db()
    assert declaration.medical_state == MedicalState.VERIFIED
    assert declaration.surveillance == Surveillance.CONCENTRATED
    # The event log agrees with the state: the last event is CDC's.
    assert list(declaration.events.values_list("action", flat=True)) == ["medical_verify"]


def test_the_job_rereads_a_row_changed_meanwhile_and_records_an_event(places, cdc, monkeypatch):
    declaration = declare(places, sym_cough=1)
    make_cough_green()
    real = services.provided_facts
    calls = []

    def someone_edits_meanwhile(rows):
        calls.append(len(rows))
        if len(calls) == 1:
            # Another change (a verification of the commune, say) bumps the version.
            from vigil.declarations.transitions import transition

            transition(
                Declaration.objects.get(pk=declaration.pk),
                actor=cdc,
                version=None,
                action="verify_failed",
                state_field="verification_state",
                allowed_from=("pending",),
                to_state="failed",
                note="not at home",
            )
        return real(rows)

    monkeypatch.setattr(services, "provided_facts", someone_edits_meanwhile)
    run_job(cdc)
    assert len(calls) == 2  # read again after the version moved
    declaration.refresh_from_db()
    assert declaration.verification_state == "failed"
    assert declaration.risk_colour == "green"
    assert declaration.medical_state == MedicalState.NOT_FLAGGED
    event = declaration.events.get(action="risk_reevaluated")
    assert (event.from_state, event.to_state) == ("yellow", "green")


def test_a_form_opened_before_the_job_is_refused_not_overwritten(places, cdc):
    declaration = declare(places, sym_cough=1)
    opened = declaration.version
    make_cough_green()
    run_job(cdc)
    with pytest.raises(StaleDeclaration):
        verify_concentrated(declaration, cdc, version=opened)
    declaration.refresh_from_db()
    assert declaration.version == opened + 1
    verify_concentrated(declaration, cdc)


# PostgreSQL: two connections ------------------------------------------------------


def seed_rules():
    """The default rules and bands (a transactional test empties every table,
    the rows of data migrations included)."""
    import importlib

    from django.apps import apps

    importlib.import_module("vigil.triage.migrations.0002_default_rules").seed(apps, None)


@pytest.fixture(scope="module")
def areas_back_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        call_command("load_areas", verbosity=0)
        seed_rules()


@pytest.fixture
def areas_loaded(areas_back_after_flush, transactional_db):
    if not AdminUnit.objects.exists():
        call_command("load_areas", verbosity=0)
    seed_rules()


def _threaded(func, errors):
    def run():
        try:
            func()
        except Exception as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["job", "cdc"])
def test_the_job_and_a_cdc_verification_racing_on_two_connections(
    areas_loaded, places, make_user, first, monkeypatch
):
    cdc = make_user("cdc.race", places.district, tasks=["cdc"])
    declarations = [declare(places, sym_cough=1) for _ in range(3)]
    target = declarations[1]
    make_cough_green()
    read, saved = threading.Event(), threading.Event()
    errors = []
    real = services.provided_facts

    def job_pauses_after_reading(rows):
        read.set()
        # Let the CDC commit between the job's read and its write.
        assert saved.wait(timeout=20)
        return real(rows)

    def job():
        run_job(cdc)

    def verify():
        verify_concentrated(Declaration.objects.get(pk=target.pk), cdc)
        saved.set()

    if first == "job":
        # The job reads, CDC commits, the job writes.
        monkeypatch.setattr(services, "provided_facts", job_pauses_after_reading)
        one = _threaded(job, errors)
        assert read.wait(timeout=20)
        two = _threaded(verify, errors)
    else:
        # CDC holds the row (its transaction open) while the job tries to write it.
        from vigil.declarations import transitions

        real_record = transitions._record
        holding = threading.Event()

        def slow_record(current, **kwargs):
            event = real_record(current, **kwargs)
            if kwargs.get("action") == "medical_verify":
                holding.set()
                threading.Event().wait(1.5)  # the job meanwhile blocks on the row lock
            return event

        monkeypatch.setattr(transitions, "_record", slow_record)
        one = _threaded(verify, errors)
        assert holding.wait(timeout=20)
        two = _threaded(job, errors)
    for thread in (one, two):
        thread.join(timeout=60)
    assert errors == []
    target.refresh_from_db()
    assert target.medical_state == MedicalState.VERIFIED
    assert target.surveillance == Surveillance.CONCENTRATED
    actions = list(target.events.order_by("at", "id").values_list("action", flat=True))
    assert actions[-1] == "medical_verify"
    # The others were re-evaluated as usual.
    for other in (declarations[0], declarations[2]):
        other.refresh_from_db()
        assert (other.risk_colour, other.medical_state) == ("green", MedicalState.NOT_FLAGGED)


def test_the_engine_still_flags_a_cough(places):
    # Guard for the tests above: a cough alone flags a declaration by default.
    assert declare(places, sym_cough=1).medical_state == MedicalState.PENDING
