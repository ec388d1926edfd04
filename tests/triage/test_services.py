import datetime

import pytest
from django.core.exceptions import ValidationError

from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import Channel, Declaration, MedicalState, Surveillance
from vigil.declarations.services import StaleDeclaration, submit_declaration, update_declaration
from vigil.jobs.models import Job
from vigil.triage import services
from vigil.triage.models import EpidemicArea, RiskRule

from ..declarations.helpers import form_data

TODAY = datetime.date.today()


def declare(places, **answers):
    form = DeclarationForm(form_data(places.commune, **dict.fromkeys(answers, "1")))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.hue", places.district, tasks=["cdc"])


def test_a_declaration_gets_its_colour_when_created_and_changed(places):
    quiet = declare(places)
    assert (quiet.risk_colour, quiet.medical_state) == ("green", MedicalState.NOT_FLAGGED)
    sick = declare(places, sym_fever=1, exp_case_contact=1)
    assert sick.risk_colour == "red"
    assert sick.medical_state == MedicalState.PENDING
    assert "Có triệu chứng + tiếp xúc ca bệnh" in sick.risk_reasons
    form = DeclarationForm(form_data(places.commune, sym_cough="1"))
    assert form.is_valid()
    changed = update_declaration(
        quiet, form.identity(), form.declaration_data(), version=quiet.version
    )
    assert changed.risk_colour == "yellow"
    assert changed.medical_state == MedicalState.PENDING


def test_cdc_records_the_medical_result_and_surveillance(places, cdc):
    sick = declare(places, sym_fever=1)
    done = services.medical_verify(
        sick, actor=cdc, version=sick.version, symptoms_confirmed=True,
        surveillance=Surveillance.CONCENTRATED, start=TODAY, end=TODAY + datetime.timedelta(14),
        note="Sốt 38,5",
    )  # fmt: skip
    assert done.medical_state == MedicalState.VERIFIED
    assert done.surveillance == Surveillance.CONCENTRATED
    event = done.events.get()
    assert event.data == {"symptoms_confirmed": True, "surveillance": "concentrated"}
    with pytest.raises(StaleDeclaration):
        services.medical_verify(
            sick, actor=cdc, version=sick.version, symptoms_confirmed=False,
            surveillance=Surveillance.NONE, start=None, end=None,
        )  # fmt: skip


@pytest.mark.parametrize(
    ("surveillance", "start", "end", "field"),
    [
        ("teleport", TODAY, None, "surveillance"),
        (Surveillance.HOME_QUARANTINE, None, None, "surveillance_start"),
        (Surveillance.HOME_QUARANTINE, TODAY, TODAY - datetime.timedelta(1), "surveillance_end"),
    ],
)
def test_bad_medical_results_are_refused_and_nothing_changes(
    places, cdc, surveillance, start, end, field
):
    sick = declare(places, sym_fever=1)
    with pytest.raises(ValidationError) as exc:
        services.medical_verify(
            sick, actor=cdc, version=sick.version, symptoms_confirmed=True,
            surveillance=surveillance, start=start, end=end,
        )  # fmt: skip
    assert field in exc.value.message_dict
    assert Declaration.objects.get(pk=sick.pk).medical_state == MedicalState.PENDING


def test_editing_the_rules_reevaluates_open_declarations(places, cdc):
    declarations = [declare(places, sym_fatigue=1) for _ in range(3)]
    assert {d.risk_colour for d in declarations} == {"green"}
    RiskRule.objects.create(label="Mệt mỏi", facts=["sym_fatigue"], weight=0, min_level=2)
    job = services.start_reevaluation(cdc)
    job.refresh_from_db()
    assert (job.state, job.total, job.done, job.percent) == (Job.State.DONE, 3, 3, 100)
    assert set(Declaration.objects.values_list("risk_colour", flat=True)) == {"orange"}


def test_a_new_epidemic_area_reevaluates_too(places, cdc):
    from vigil.areas.models import AdminUnit

    declaration = declare(places, sym_fever=1)
    assert declaration.risk_colour == "yellow"
    hanoi = AdminUnit.objects.active_tree().get(code="01")
    EpidemicArea.objects.create(unit=hanoi, start=TODAY - datetime.timedelta(30))
    services.start_reevaluation(cdc)
    declaration.refresh_from_db()
    assert declaration.risk_colour == "red"
    assert "Sốt + về từ vùng dịch" in declaration.risk_reasons
