"""The citizens' submit path's CPU savings (issue #15) change nothing of what
is stored or answered: the INSERTs whose text is built once per process write
the rows `Model.save()` writes, the people matched by the prepared statement
are those the ORM's filter found, and the answer rendered without Django-ninja's
validation is the answer the schema gives."""

import json

import pytest
from django.db import connection
from django.db.models import Value
from ninja.responses import NinjaJSONEncoder

from vigil.api.declarations.output import citizen_out, queryset
from vigil.api.declarations.schemas import CitizenDeclarationOut
from vigil.audit.models import AuditEvent
from vigil.core import inserts
from vigil.declarations import services
from vigil.declarations.models import Declaration
from vigil.people.models import Person

from .test_declarations_api import BASE, body, post, sign_in

SKIPPED = {"id", "code", "created_at", "updated_at", "at", "idempotency_key"}


def columns(obj):
    """Every column of the row stored for `obj`, read back, but its id, code and times."""
    row = type(obj).objects.filter(pk=obj.pk).values().get()
    return {name: value for name, value in row.items() if name not in SKIPPED}


def copies(model, **values):
    return model(**values), model(**values)


def test_a_declaration_inserted_from_the_cached_statement_is_the_row_save_writes(
    client, db, places
):
    token = sign_in(client)
    first = post(client, BASE, body(places, is_proxy=True, proxy_relation="Con"), token)
    assert first.status_code == 201, first.content
    assert inserts.statement_cached(Declaration)
    source = Declaration.objects.get(code=first.json()["code"])
    values = {
        f.attname: getattr(source, f.attname)
        for f in Declaration._meta.concrete_fields
        if f.attname not in SKIPPED
    }
    saved, cached = copies(Declaration, **values)
    saved.save(force_insert=True)
    inserts.save_new(cached)
    assert cached.pk is not None and cached.pk != saved.pk
    assert not cached._state.adding and "_do_insert" not in vars(cached)
    assert columns(cached) == columns(saved)
    # save() itself ran: the jurisdiction path comes from Declaration.save.
    assert columns(cached)["area_path"] == places.commune.path


def test_people_and_audit_events_insert_the_same_rows(db, places):
    person = {"full_name": "Lê Thị Mai", "id_kind": "cccd", "phone": "0905000111"}
    saved, cached = copies(Person, **person, birth_year=1990, area=places.commune)
    saved.save(force_insert=True)
    inserts.save_new(cached)
    assert cached.search_key == saved.search_key == "le thi mai"  # Person.save ran
    assert columns(cached) == columns(saved)
    event = {"action": "create", "object_type": "x.y", "detail": {"k": [1, "á"]}, "ip": "10.0.0.1"}
    saved, cached = copies(AuditEvent, **event)
    saved.save(force_insert=True)
    inserts.save_new(cached)
    assert columns(cached) == columns(saved)
    assert columns(cached)["detail"] == {"k": [1, "á"]}


def test_a_value_that_is_an_expression_goes_through_django(db, places):
    person = Person(full_name="Hồ Văn Nam", phone="0905000222", area=places.commune)
    person.occupation = Value("Nông dân")
    inserts.save_new(person)
    person.refresh_from_db()
    assert person.occupation == "Nông dân"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg's statement cache")
def test_psycopg_caches_the_parsing_of_a_declarations_insert(db):
    # Above the limit psycopg parses the 68-column INSERT's text at every execution.
    from psycopg import _queries

    assert len(Declaration._meta.concrete_fields) <= _queries.MAX_CACHED_STATEMENT_PARAMS


def test_matching_finds_by_id_number_or_by_phone_name_and_birth_year(db, places):
    known = Person(
        full_name="Trần Thị Hoa",
        id_kind="cccd",
        id_number="046190001234",
        phone="0905123456",
        birth_year=1985,
        area=places.commune,
    )
    known.save()
    no_year = Person(full_name="Phan Văn Bé", phone="0905999888", area=places.commune)
    no_year.save()
    by_id = {"id_number": "046190001234", "full_name": "Trần Thị Hoa"}
    assert services.match_person(by_id) == (known, False)
    # The same number under another name: a conflict, nobody matched.
    assert services.match_person({**by_id, "full_name": "Ngô Văn Tư"}) == (None, True)
    by_phone = {"phone": "0905123456", "full_name": "tran thi  HOA", "birth_year": 1985}
    assert services.match_person(by_phone) == (known, False)
    assert services.match_person({**by_phone, "birth_year": 1986}) == (None, False)
    blank_year = {"phone": "0905999888", "full_name": "Phan Văn Bé", "birth_year": None}
    assert services.match_person(blank_year) == (no_year, False)
    assert services.match_person({**blank_year, "birth_year": 2001}) == (None, False)
    # A phone without a name matches nobody; nothing at all asks nothing.
    assert services.match_person({"phone": "0905123456"}) == (None, False)
    assert services.match_person({}) == (None, False)


def rendered(declaration):
    """What Django-ninja answers for the declaration: validated against the schema."""
    validated = CitizenDeclarationOut.model_validate(citizen_out(declaration)).model_dump()
    return json.loads(json.dumps(validated, cls=NinjaJSONEncoder))


@pytest.mark.parametrize("proxy", [False, True])
def test_the_answer_is_the_one_the_schema_gives(client, db, places, proxy):
    token = sign_in(client)
    changes = {"is_proxy": True, "proxy_relation": "Mẹ", "phone": "0914000111"} if proxy else {}
    key = {"HTTP_IDEMPOTENCY_KEY": f"same-{proxy}"}
    response = post(client, BASE, body(places, **changes), token, **key)
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    declaration = queryset().get(code=response.json()["code"])
    assert response.json() == rendered(declaration)
    assert list(response.json()) == list(CitizenDeclarationOut.model_fields)
    again = post(client, BASE, body(places, **changes), token, **key)
    assert again.status_code == 200
    assert again.json() == rendered(declaration)


def test_a_first_row_holding_sql_never_gives_the_cached_text(db, places):
    inserts.clear()
    odd = Person(full_name="Hồ Văn Nam", phone="0905000222", area=places.commune)
    odd.occupation = Value("Nông dân")
    inserts.save_new(odd)
    assert not inserts.statement_cached(Person)
    plain = Person(full_name="Hồ Văn Năm", phone="0905000223", area=places.commune)
    inserts.save_new(plain)
    assert inserts.statement_cached(Person)
    sql = next(v[0] for k, v in inserts._statements.items() if k[0] is Person)
    assert "Nông" not in sql and sql.count("%s") == len(Person._meta.concrete_fields) - 1
    plain.refresh_from_db()
    odd.refresh_from_db()
    assert (odd.occupation, plain.occupation) == ("Nông dân", "")


def test_the_qr_links_are_the_reversed_urls(db, settings):
    from django.urls import reverse, set_script_prefix

    from vigil.api.declarations.output import code_url

    for code in ("7KX3M9QA", "ab12", "Ê 1"):
        for name in ("api:declaration_qr_png", "api:declaration_qr_svg"):
            assert code_url(name, code) == reverse(name, kwargs={"code": code})
    set_script_prefix("/vigil/")
    try:
        url = code_url("api:declaration_qr_png", "7KX3M9QA")
        assert url == "/vigil/api/v1/declarations/mine/7KX3M9QA/qr.png"
        assert url == reverse("api:declaration_qr_png", kwargs={"code": "7KX3M9QA"})
    finally:
        set_script_prefix("/")


def _outcome(form):
    valid = form.is_valid()
    errors = {name: list(messages) for name, messages in form.errors.items()}
    cleaned = {k: getattr(v, "pk", v) for k, v in form.cleaned_data.items()} if valid else None
    return valid, errors, cleaned


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"departure_province": "", "departure_district": "", "departure_commune": ""},
        {"departure_district": "999999"},
        {"registration_kind": "student"},
        {"arrival_date": "01/01/2999", "phone": "12", "birth_year": "1800"},
        {"sym_fever": "", "id_number": "abc", "transport": "plane", "transport_number": ""},
        {"departure_country": "US", "departure_province": "", "departure_district": "",
         "departure_commune": "", "departure_place": "Seattle"},
    ],
)  # fmt: skip
def test_the_api_form_validates_as_the_web_form(db, places, changes):
    from vigil.api.declarations.translate import ValidatingDeclarationForm
    from vigil.declarations.forms import DeclarationForm

    from ..declarations.helpers import form_data

    data = form_data(places.commune, **changes)
    assert _outcome(ValidatingDeclarationForm(data)) == _outcome(DeclarationForm(data))


def test_the_api_form_leaves_the_pages_forms_as_they_were(db, places):
    """The API form's shared widgets are its own: what it sets on them (the
    options under a chosen province) never shows on a page's form."""
    from vigil.api.declarations.translate import ValidatingDeclarationForm
    from vigil.declarations.forms import DeclarationForm

    from ..declarations.helpers import form_data

    before = str(DeclarationForm())
    chosen = ValidatingDeclarationForm(form_data(places.commune))
    assert chosen.is_valid(), chosen.errors
    assert chosen.fields["departure_district"].widget is (
        ValidatingDeclarationForm().fields["departure_district"].widget
    )
    assert str(DeclarationForm()) == before
    for name, field in DeclarationForm.base_fields.items():
        assert ValidatingDeclarationForm.base_fields[name].widget is not field.widget, name
