"""The establishment catalogue (R-A1): validation, versions, scope, the
pages, and the PMS keys (issue, authenticate, revoke)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.audit.models import AuditEvent
from vigil.lodging import catalogue as services
from vigil.lodging.models import Establishment, PmsToken

# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def police_hue(make_user, places):
    return make_user("police.hue", places.district, tasks=[Task.POLICE])


@pytest.fixture
def far_police(make_user, places):
    return make_user("police.far", places.far, tasks=[Task.POLICE])


def values(places, **extra):
    return {
        "name": "Khách sạn Sông Hương",
        "kind": "hotel",
        "licence_number": " GP-77 ",
        "area": places.commune,
        "village": None,
        "address": "12  Lê Lợi",
        "rooms": 30,
        "phone": "+84 905 123 456",
        "status": "open",
        **extra,
    }


def errors_of(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_it_creates_an_establishment_cleaned_with_an_audit_row(police_hue, places):
    est = services.create_establishment(police_hue, values(places))
    assert (est.licence_number, est.phone, est.address) == ("GP-77", "0905123456", "12 Lê Lợi")
    assert est.area_path == places.commune.path
    assert AuditEvent.objects.filter(object_id=str(est.pk), action="create").exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"name": "  "}, "name"),
        ({"kind": "castle"}, "kind"),
        ({"area": None}, "area"),
        ({"rooms": 0}, "rooms"),
        ({"phone": "12345"}, "phone"),
    ],
)
def test_bad_values_are_refused_next_to_the_field(police_hue, places, extra, field):
    errors = errors_of(lambda: services.create_establishment(police_hue, values(places, **extra)))
    assert field in errors
    assert not Establishment.objects.exists()


def test_the_licence_number_is_unique_in_the_province(police_hue, places):
    services.create_establishment(police_hue, values(places))
    errors = errors_of(
        lambda: services.create_establishment(
            police_hue, values(places, name="Other", licence_number="gp-77")
        )
    )
    assert "Khách sạn Sông Hương" in errors["licence_number"][0]


def test_a_commune_outside_the_actors_area_is_refused(make_user, places):
    commune_police = make_user("police.vn", places.neighbour, tasks=[Task.POLICE])
    errors = errors_of(lambda: services.create_establishment(commune_police, values(places)))
    assert errors["area"] == ["This commune is outside your area."]


def test_a_district_is_not_a_commune(police_hue, places):
    errors = errors_of(
        lambda: services.create_establishment(police_hue, values(places, area=places.district))
    )
    assert "area" in errors


@pytest.fixture
def villages(places):
    return [
        AdminUnit.objects.create(
            tree=places.commune.tree,
            level=Level.VILLAGE,
            code=f"{places.commune.code}-T{n}",
            name=f"Tổ {n}",
            parent=places.commune,
            path=f"{places.commune.path}{places.commune.code}-T{n}/",
        )
        for n in (1, 2)
    ]


def test_the_village_is_required_when_the_commune_has_villages(police_hue, places, villages):
    assert "village" in errors_of(lambda: services.create_establishment(police_hue, values(places)))
    est = services.create_establishment(police_hue, values(places, village=villages[1]))
    assert est.area_path == villages[1].path
    errors = errors_of(
        lambda: services.create_establishment(
            police_hue, values(places, area=places.neighbour, village=villages[0])
        )
    )
    assert "village" in errors


def test_a_stale_version_changes_nothing(police_hue, places):
    est = services.create_establishment(police_hue, values(places))
    services.update_establishment(est, actor=police_hue, version=1, fields={"rooms": 40})
    with pytest.raises(services.StaleEstablishment):
        services.update_establishment(est, actor=police_hue, version=1, fields={"rooms": 50})
    est.refresh_from_db()
    assert (est.rooms, est.version) == (40, 2)


def test_close_and_reopen(police_hue, places):
    est = services.create_establishment(police_hue, values(places))
    est = services.close_establishment(est, actor=police_hue, version=1)
    assert est.status == "closed"
    est = services.reopen_establishment(est, actor=police_hue, version=2)
    assert est.status == "open"
    assert AuditEvent.objects.filter(object_id=str(est.pk), action="change").count() == 2


# PMS keys -----------------------------------------------------------------


def test_a_key_is_issued_hashed_and_authenticates(establishment, reception):
    token, secret = services.issue_token(establishment, actor=reception, name="FrontDesk")
    assert secret.startswith(f"vgp_{token.prefix}_")
    assert secret not in token.key_hash
    found = services.authenticate_pms(secret)
    assert found == token and found.establishment == establishment
    assert found.last_used_at is not None
    assert services.authenticate_pms(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert services.authenticate_pms("vgl_something") is None
    assert services.authenticate_pms("") is None


def test_last_used_is_written_at_most_once_a_minute(establishment, reception):
    token, secret = services.issue_token(establishment, actor=reception, name="PMS")
    services.authenticate_pms(secret)
    first = PmsToken.objects.get(pk=token.pk).last_used_at
    services.authenticate_pms(secret)
    assert PmsToken.objects.get(pk=token.pk).last_used_at == first
    PmsToken.objects.filter(pk=token.pk).update(
        last_used_at=timezone.now() - datetime.timedelta(minutes=2)
    )
    services.authenticate_pms(secret)
    assert PmsToken.objects.get(pk=token.pk).last_used_at > first


def test_a_revoked_key_is_refused(establishment, reception):
    token, secret = services.issue_token(establishment, actor=reception, name="PMS")
    services.revoke_token(token, actor=reception)
    assert services.authenticate_pms(secret) is None
    services.revoke_token(token, actor=reception)  # again: nothing more
    assert AuditEvent.objects.filter(action="delete", object_id=str(token.pk)).count() == 1


def test_a_key_needs_a_name(establishment, reception):
    assert "name" in errors_of(
        lambda: services.issue_token(establishment, actor=reception, name=" ")
    )


# Pages ----------------------------------------------------------------------


def test_the_list_shows_the_guests_in_house_and_filters(
    login, police, establishment, far_establishment, make_person, places
):
    from vigil.lodging.models import GuestStay

    GuestStay.objects.create(establishment=establishment, person=make_person(places.commune))
    GuestStay.objects.create(
        establishment=establishment,
        person=make_person(places.commune),
        check_out=timezone.now(),
        check_in=timezone.now() - datetime.timedelta(days=1),
    )
    page = login(police).get("/lodging/establishments/")
    assert page.status_code == 200
    assert list(page.context["page"]) == [establishment]
    assert page.context["page"][0].n_in_house == 1
    assert page.context["may_edit"]
    assert login(police).get("/lodging/establishments/?kind=homestay").context["total"] == 0
    assert login(police).get("/lodging/establishments/?q=gp-001").context["total"] == 1


def test_a_reception_account_sees_only_its_establishment(
    login, reception, establishment, make_establishment, places
):
    other = make_establishment(places.commune, "Homestay Bên Cạnh")
    client = login(reception)
    assert [e.pk for e in client.get("/lodging/establishments/").context["page"]] == [
        establishment.pk
    ]
    assert client.get(f"/lodging/establishments/{establishment.pk}/").status_code == 200
    assert client.get(f"/lodging/establishments/{other.pk}/").status_code == 404
    assert client.get(f"/lodging/establishments/{establishment.pk}/edit/").status_code == 403


def test_a_far_police_account_gets_404(login, far_police, establishment):
    client = login(far_police)
    assert client.get(f"/lodging/establishments/{establishment.pk}/").status_code == 404
    assert client.get(f"/lodging/establishments/{establishment.pk}/edit/").status_code == 404


def test_police_add_an_establishment_through_the_page(login, police, places):
    client = login(police)
    assert client.get("/lodging/establishments/new/").status_code == 200
    data = {k: v for k, v in values(places).items() if v is not None}
    data["area"] = places.commune.pk
    response = client.post("/lodging/establishments/new/", data)
    est = Establishment.objects.get()
    assert response.status_code == 302 and response.url == f"/lodging/establishments/{est.pk}/"
    bad = client.post("/lodging/establishments/new/", {**data, "licence_number": "GP-77"})
    assert bad.status_code == 200
    assert "already registered" in str(bad.context["form"].errors["licence_number"])


def test_a_stale_edit_keeps_the_input(login, police, establishment):
    client = login(police)
    services.update_establishment(establishment, actor=police, version=1, fields={"rooms": 9})
    data = {
        "name": "Typed name",
        "kind": "hotel",
        "area": establishment.area_id,
        "status": "open",
        "version": 1,
    }
    page = client.post(f"/lodging/establishments/{establishment.pk}/edit/", data)
    assert page.status_code == 200
    assert "changed by" in " ".join(page.context["form"].non_field_errors())
    assert page.context["form"].data["name"] == "Typed name"
    assert str(page.context["form"].data["version"]) == "2"
    establishment.refresh_from_db()
    assert establishment.name == "Khách sạn Hương Giang"


def test_reception_issues_and_revokes_its_own_key(login, reception, establishment):
    client = login(reception)
    page = client.post(f"/lodging/establishments/{establishment.pk}/tokens/", {"name": "Soft"})
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("vgp_") and secret.encode() in page.content
    token = PmsToken.objects.get()
    assert services.authenticate_pms(secret) == token
    again = client.get(f"/lodging/establishments/{establishment.pk}/")
    assert secret.encode() not in again.content
    response = client.post(f"/lodging/pms-keys/{token.pk}/revoke/")
    assert response.status_code == 302
    assert services.authenticate_pms(secret) is None


def test_keys_of_another_establishment_are_404(
    login, reception, make_establishment, places, police
):
    other = make_establishment(places.commune, "Nhà nghỉ Khác")
    token, _secret = services.issue_token(other, actor=police, name="X")
    client = login(reception)
    assert client.post(f"/lodging/pms-keys/{token.pk}/revoke/").status_code == 404
    assert (
        client.post(f"/lodging/establishments/{other.pk}/tokens/", {"name": "Y"}).status_code == 404
    )


def test_police_do_not_manage_keys(login, police, establishment):
    client = login(police)
    assert (
        client.post(
            f"/lodging/establishments/{establishment.pk}/tokens/", {"name": "Y"}
        ).status_code
        == 403
    )
    assert (
        b'id="token-form"' not in client.get(f"/lodging/establishments/{establishment.pk}/").content
    )
