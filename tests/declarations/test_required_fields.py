"""The places the seed marks required (*), refused alike on every channel (#16):
the departure district and commune inside Vietnam, the village where the
commune has villages, the vehicle number for plane, train and coach."""

import pytest

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.declarations.forms import DeclarationForm, PublicDeclarationForm, StaffDeclarationForm
from vigil.declarations.imports import HEADER_OF, import_paper_forms
from vigil.declarations.models import Channel, Declaration

from ..api.test_declarations_api import BASE, body, post, sign_in
from .helpers import form_data
from .test_paper_import import row, xlsx

# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def villages(places):
    commune = places.commune
    return [
        AdminUnit.objects.create(
            tree=commune.tree,
            code=f"{commune.code}V{n}",
            name=f"Tổ dân phố {n}",
            level=Level.VILLAGE,
            parent=commune,
            path=f"{commune.path}{commune.code}V{n}/",
        )  # fmt: skip
        for n in (1, 2)
    ]


def errors_of(form):
    form.is_valid()
    return {name: list(messages) for name, messages in form.errors.items()}


@pytest.mark.parametrize("form_class", [DeclarationForm, PublicDeclarationForm])
def test_a_departure_inside_vietnam_names_its_district_and_commune(places, form_class):
    data = form_data(places.commune, departure_district="", departure_commune="")
    errors = errors_of(form_class(data))
    assert errors == {"departure_district": ["Choose the district you came from."]}
    errors = errors_of(form_class({**form_data(places.commune), "departure_commune": ""}))
    assert errors == {"departure_commune": ["Choose the commune you came from."]}
    assert errors_of(form_class(form_data(places.commune))) == {}
    abroad = form_data(
        places.commune,
        departure_country="KR",
        departure_province="",
        departure_district="",
        departure_commune="",
    )
    assert errors_of(form_class(abroad)) == {}


def test_the_label_of_a_required_place_shows_it(places, villages):
    form = PublicDeclarationForm(form_data(places.commune, village=""))
    assert form.fields["village"].required and form.fields["departure_district"].required
    html = str(form["village"].label_tag())
    assert "Village" in html
    assert "data-required-if-options" in str(form["village"])


def test_the_village_is_required_only_where_the_commune_has_villages(places, villages):
    assert errors_of(DeclarationForm(form_data(places.neighbour))) == {}
    errors = errors_of(DeclarationForm(form_data(places.commune)))
    assert errors == {"village": ["Choose the village or residential group."]}
    data = form_data(places.commune, village=str(villages[1].pk))
    assert errors_of(DeclarationForm(data)) == {}


def test_staff_entry_refuses_the_same(places, villages, make_user):
    clerk = make_user("so.hoa", places.commune, tasks=[Task.DIGITISATION])
    data = form_data(
        places.commune,
        departure_commune="",
        transport="coach",
        transport_number="",
        paper_form_number="GT-1",
        paper_form_date=form_data(places.commune)["arrival_date"],
    )
    form = StaffDeclarationForm(data, user=clerk, channel=Channel.PAPER, for_display=False)
    assert set(errors_of(form)) == {"departure_commune", "village", "transport_number"}


def test_the_api_refuses_the_same_under_its_own_field_names(client, places, villages):
    token = sign_in(client)
    response = post(client, BASE, body(places, departure_unit_code="01"), token)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields["departure_unit_code"] == ["Choose the district you came from."]
    assert fields["village_code"] == ["Choose the village or residential group."]
    train = body(places, transport="train", transport_number="", village_code=villages[0].code)
    response = post(client, BASE, train, token)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"transport_number"}
    response = post(client, BASE, body(places, village_code=villages[0].code), token)
    assert response.status_code == 201, response.content
    assert Declaration.objects.get().departure_unit.level == Level.COMMUNE


def test_the_paper_import_refuses_the_same_with_the_column_named(places, villages, make_user):
    clerk = make_user("so.hoa", places.province, tasks=[Task.DIGITISATION])
    good = row(places.commune, 0, village=villages[0].code)
    rows = [good, {**row(places.commune, 1), "departure_commune": None}]
    result = import_paper_forms(xlsx(rows), clerk)
    problems = {e.row: [column for column, _m in e.problems] for e in result.errors}
    assert problems == {3: [HEADER_OF["departure_commune"], HEADER_OF["village"]]}
    assert not Declaration.objects.exists()
