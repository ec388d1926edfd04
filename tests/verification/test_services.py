import datetime

import pytest
from django.core.exceptions import ValidationError

from vigil.declarations.models import (
    Channel,
    Declaration,
    DeclarationEvent,
    Surveillance,
    VerificationState,
)
from vigil.declarations.services import StaleDeclaration, submit_declaration
from vigil.declarations.transitions import TransitionRefused
from vigil.verification import services

from ..declarations.helpers import form_data

TODAY = datetime.date.today()


@pytest.fixture
def declaration(places):
    from vigil.declarations.forms import DeclarationForm

    form = DeclarationForm(form_data(places.commune))
    assert form.is_valid(), form.errors
    return submit_declaration(
        form.identity(), form.declaration_data(), channel=Channel.WEB
    ).declaration


@pytest.fixture
def clerk(make_user, places):
    return make_user("digit.pn", places.commune, tasks=["digitisation"])


def test_an_online_declaration_waits_for_verification_and_a_walk_in_does_not(places):
    from vigil.declarations.forms import DeclarationForm

    form = DeclarationForm(form_data(places.commune))
    assert form.is_valid()
    online = submit_declaration(form.identity(), form.declaration_data(), channel=Channel.WEB)
    walk_in = submit_declaration(form.identity(), form.declaration_data(), channel=Channel.WALK_IN)
    assert online.declaration.verification_state == VerificationState.PENDING
    assert walk_in.declaration.verification_state == VerificationState.NOT_REQUIRED


def test_returned_records_the_surveillance_and_an_event(declaration, clerk):
    done = services.verify_returned(
        declaration, actor=clerk, version=declaration.version,
        surveillance=Surveillance.HOME_QUARANTINE, start=TODAY, end=TODAY + datetime.timedelta(14),
    )  # fmt: skip
    assert done.verification_state == VerificationState.RETURNED
    assert done.surveillance == Surveillance.HOME_QUARANTINE
    assert done.version == declaration.version + 1
    event = DeclarationEvent.objects.get(declaration=declaration)
    assert (event.actor, event.from_state, event.to_state) == (clerk, "pending", "returned")


def test_returned_needs_a_surveillance_type(declaration, clerk):
    with pytest.raises(ValidationError) as exc:
        services.verify_returned(
            declaration, actor=clerk, version=declaration.version, surveillance=""
        )
    assert "surveillance" in exc.value.message_dict
    assert Declaration.objects.get(pk=declaration.pk).verification_state == "pending"


def test_a_surveillance_end_before_its_start_is_refused(declaration, clerk):
    with pytest.raises(ValidationError) as exc:
        services.verify_returned(
            declaration, actor=clerk, version=declaration.version,
            surveillance=Surveillance.SELF_MONITORING, start=TODAY,
            end=TODAY - datetime.timedelta(1),
        )  # fmt: skip
    assert "surveillance_end" in exc.value.message_dict
    assert not DeclarationEvent.objects.exists()


def test_an_already_verified_record_cannot_be_verified_again(declaration, clerk):
    done = services.verify_returned(
        declaration, actor=clerk, version=declaration.version, surveillance=Surveillance.NONE
    )
    with pytest.raises(TransitionRefused):
        services.verify_failed(done, actor=clerk, version=done.version, reason="x")


def test_a_stale_page_is_refused(declaration, clerk):
    stale_version = declaration.version
    services.verify_returned(
        declaration, actor=clerk, version=stale_version, surveillance=Surveillance.NONE
    )
    with pytest.raises(StaleDeclaration):
        services.verify_failed(declaration, actor=clerk, version=stale_version, reason="x")


def test_could_not_verify_needs_a_reason(declaration, clerk):
    with pytest.raises(ValidationError):
        services.verify_failed(declaration, actor=clerk, version=declaration.version, reason=" ")
    done = services.verify_failed(
        declaration, actor=clerk, version=declaration.version, reason="Không có ở nhà"
    )
    assert done.verification_state == VerificationState.FAILED
    assert done.events.get().note == "Không có ở nhà"


def test_a_transfer_moves_the_record_to_the_target_commune(declaration, clerk, places):
    moved = services.transfer(
        declaration, actor=clerk, version=declaration.version, target=places.neighbour, note="x"
    )
    assert moved.area == places.neighbour
    assert moved.area_path == places.neighbour.path
    assert moved.transferred_from == places.commune
    assert moved.verification_state == VerificationState.PENDING
    # The sender no longer sees it; the target does.
    assert not Declaration.objects.visible_to(clerk).filter(pk=declaration.pk).exists()
    event = moved.events.get()
    assert (event.from_area, event.to_area) == (places.commune, places.neighbour)


def test_a_transfer_to_the_same_or_an_outside_commune_is_refused(declaration, clerk, places):
    from vigil.areas.models import AdminUnit

    outside = (
        AdminUnit.objects.active_tree().filter(level=3).exclude(path__startswith="46/").first()
    )
    for (target,) in ((places.commune,), (outside,), (places.district,)):
        with pytest.raises(ValidationError):
            services.transfer(
                declaration, actor=clerk, version=declaration.version, target=target, note="x"
            )
    assert Declaration.objects.get(pk=declaration.pk).area == places.commune
