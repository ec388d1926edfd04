"""What the quarantine tests share: a facility with beds, its manager, CDC,
and a CDC decision "concentrated quarantine" on a fresh online declaration."""

import datetime

import pytest
from django.utils import timezone, translation

from vigil.accounts.models import Task
from vigil.declarations import questions
from vigil.quarantine import services
from vigil.quarantine.models import Bed, Facility
from vigil.triage.services import medical_verify

from ..scope.samples import make_declaration

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
ANSWER_KEYS = [key for key, _label in questions.EXPOSURES + questions.SYMPTOMS]


def d(day):
    return day.strftime("%d/%m/%Y")


@pytest.fixture
def english(client):
    client.cookies["vigil_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def kcl(places):
    return Facility.objects.create(kind="concentrated", name="KCL Phú Nhuận", area=places.commune)


@pytest.fixture
def kcl_beds(kcl, cdc_hue):
    services.add_rooms(cdc_hue, kcl, building="A", floors=[1], rooms=[1, 2], beds_per_room=2)
    return list(Bed.objects.filter(room__building__facility=kcl).order_by("room__name", "label"))


@pytest.fixture
def cdc_hue(make_user, places):
    return make_user("cdc.tp", places.district, tasks=[Task.CDC])


@pytest.fixture
def kcl_manager(make_user, kcl):
    return make_user("kcl.pn", kcl.area, tasks=[Task.FACILITY], facility=kcl)


@pytest.fixture
def decide():
    """CDC's decision "concentrated quarantine" on a declaration."""

    def do(declaration, cdc, surveillance="concentrated"):
        return medical_verify(
            declaration,
            actor=cdc,
            version=declaration.version,
            symptoms_confirmed=True,
            surveillance=surveillance,
            start=TODAY,
            end=TODAY + 14 * DAY,
            note="Sốt, ho",
        )

    return do


@pytest.fixture
def sent(make_person, places, cdc_hue, decide):
    """An online arrival to Phú Nhuận with a fever, sent by CDC to concentrated
    quarantine, its commune verification still pending."""
    person = make_person(places.commune, "Hoàng Văn Sốt", phone="0911222333")
    return decide(make_declaration(person, places.commune), cdc_hue)
