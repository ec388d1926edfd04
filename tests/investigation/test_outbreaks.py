"""The outbreak catalogue (R-E2): validation, versions, scope, deletion, the
pages, the map's GeoJSON and the tile server in the CSP."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level
from vigil.audit.models import AuditEvent
from vigil.core.middleware import tile_origin
from vigil.investigation import outbreaks as services
from vigil.investigation.models import CaseKind, ItineraryEntry, Outbreak

TODAY = timezone.localdate()


# Pages in English (the `english` fixture of tests/conftest.py).
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def cdc_hue(make_user, places):
    return make_user("cdc.hue", places.district, tasks=[Task.CDC])


@pytest.fixture
def station(make_user, places):
    """A health station of the neighbour commune: reads cases, no outbreak edits."""
    return make_user("tyt.vinhninh", places.neighbour, tasks=[Task.HEALTH_STATION])


def values(places, **extra):
    return {
        "name": "Chợ Đông Ba",
        "area": places.commune,
        "village": None,
        "address": "2 Trần Hưng Đạo",
        "longitude": Decimal("107.588600"),
        "latitude": Decimal("16.473500"),
        "status": "active",
        "opened_on": TODAY - datetime.timedelta(days=3),
        "closed_on": None,
        **extra,
    }


def make_outbreak(actor, places, **extra):
    return services.create_outbreak(actor, values(places, **extra))


def errors_of(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_it_creates_an_outbreak_with_an_audit_row(cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places, name="  Chợ   Đông Ba ")
    assert outbreak.name == "Chợ Đông Ba"
    assert outbreak.area_path == places.commune.path
    assert AuditEvent.objects.filter(
        action="create", object_type__icontains="outbreak", object_id=str(outbreak.pk)
    ).exists()


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"longitude": Decimal("105.800000")}, "longitude"),
        ({"latitude": Decimal("21.020000")}, "latitude"),
        ({"latitude": None}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"name": "   "}, "name"),
        ({"closed_on": TODAY - datetime.timedelta(days=10), "status": "closed"}, "closed_on"),
    ],
)
def test_it_refuses_bad_values_next_to_the_field(cdc_hue, places, extra, field):
    errors = errors_of(lambda: make_outbreak(cdc_hue, places, **extra))
    assert field in errors
    assert not Outbreak.objects.exists()


def test_a_coordinate_outside_the_province_says_so(cdc_hue, places):
    errors = errors_of(lambda: make_outbreak(cdc_hue, places, longitude=Decimal("105.8")))
    assert "outside the province" in errors["longitude"][0]


def test_no_coordinates_at_all_is_fine(cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places, longitude=None, latitude=None)
    assert outbreak.longitude is None


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


def test_the_village_is_required_when_the_commune_has_villages(cdc_hue, places, villages):
    errors = errors_of(lambda: make_outbreak(cdc_hue, places))
    assert "village" in errors
    outbreak = make_outbreak(cdc_hue, places, village=villages[1])
    assert outbreak.area_path == villages[1].path


def test_a_village_of_another_commune_is_refused(cdc_hue, places, villages):
    errors = errors_of(lambda: make_outbreak(cdc_hue, places, area=places.neighbour,
                                             village=villages[0]))  # fmt: skip
    assert "village" in errors


def test_a_commune_outside_the_actors_area_is_refused(make_user, places):
    commune_cdc = make_user("cdc.vn", places.neighbour, tasks=[Task.CDC])
    errors = errors_of(lambda: make_outbreak(commune_cdc, places))
    assert "area" in errors


def test_a_district_is_not_a_commune(cdc_hue, places):
    assert "area" in errors_of(lambda: make_outbreak(cdc_hue, places, area=places.district))


def test_a_stale_version_overwrites_nothing(cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places)
    services.update_outbreak(outbreak, actor=cdc_hue, version=1, fields={"name": "Chợ Bến Ngự"})
    with pytest.raises(services.StaleOutbreak):
        services.update_outbreak(outbreak, actor=cdc_hue, version=1, fields={"name": "Khác"})
    outbreak.refresh_from_db()
    assert (outbreak.name, outbreak.version) == ("Chợ Bến Ngự", 2)


def test_closing_and_reopening(cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places)
    closed = services.close_outbreak(outbreak, actor=cdc_hue, version=1)
    assert (closed.status, closed.closed_on) == ("closed", TODAY)
    assert not Outbreak.objects.active_on(TODAY + datetime.timedelta(days=1)).exists()
    reopened = services.reopen_outbreak(outbreak, actor=cdc_hue, version=2)
    assert (reopened.status, reopened.closed_on, reopened.version) == ("active", None, 3)


def test_delete_is_refused_while_cases_belong_to_it(cdc_hue, places, make_case):
    outbreak = make_outbreak(cdc_hue, places)
    make_case(CaseKind.CONFIRMED, outbreak=outbreak)
    with pytest.raises(ValidationError) as exc:
        services.delete_outbreak(outbreak, actor=cdc_hue)
    assert "1 case records" in exc.value.messages[0]
    assert Outbreak.objects.filter(pk=outbreak.pk).exists()


def test_delete_forgets_the_itinerary_rows(cdc_hue, places, make_case):
    outbreak = make_outbreak(cdc_hue, places)
    case = make_case(CaseKind.CONFIRMED)
    entry = ItineraryEntry.objects.create(
        case=case, date=TODAY, description="Chợ", outbreak=outbreak
    )
    services.delete_outbreak(outbreak, actor=cdc_hue, version=1)
    entry.refresh_from_db()
    assert entry.outbreak_id is None
    assert not Outbreak.objects.exists()


# Pages ----------------------------------------------------------------------


def post_data(places, **extra):
    data = {
        "name": "Quán cà phê Hòa",
        "area": places.commune.pk,
        "village": "",
        "address": "5 Lê Lợi",
        "longitude": "107.590000",
        "latitude": "16.460000",
        "status": "active",
        "opened_on": TODAY.strftime("%d/%m/%Y"),
        "closed_on": "",
    }
    data.update(extra)
    return data


def test_the_list_adds_an_outbreak_from_the_form(login, cdc_hue, places):
    client = login(cdc_hue)
    response = client.post("/investigation/outbreaks/", post_data(places))
    assert response.status_code == 302
    page = client.get("/investigation/outbreaks/")
    assert "Quán cà phê Hòa" in page.text
    assert 'id="outbreak-form"' in page.text


def test_the_form_shows_the_bbox_message_and_saves_nothing(login, cdc_hue, places):
    client = login(cdc_hue)
    response = client.post("/investigation/outbreaks/", post_data(places, latitude="10.5"))
    assert response.status_code == 200
    assert "This latitude is outside the province" in response.text
    assert not Outbreak.objects.exists()


def test_a_reader_sees_the_list_without_the_form_and_may_not_post(login, station, cdc_hue,
                                                                  places):  # fmt: skip
    outbreak = make_outbreak(cdc_hue, places, area=places.neighbour)
    client = login(station)
    page = client.get("/investigation/outbreaks/")
    assert outbreak.name in page.text
    assert 'id="outbreak-form"' not in page.text
    assert client.post("/investigation/outbreaks/", post_data(places)).status_code == 403


def test_out_of_scope_outbreaks_are_404(login, make_user, station, cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places)  # Phú Nhuận: not the station's commune
    client = login(station)
    assert outbreak.name not in client.get("/investigation/outbreaks/").text
    assert client.get(f"/investigation/outbreaks/{outbreak.pk}/chain/").status_code == 404
    assert client.get(f"/investigation/outbreaks/{outbreak.pk}/chain/data/").status_code == 404
    assert client.get("/investigation/map/data/").json()["features"] == []
    other_cdc = login(make_user("cdc.far", places.far, tasks=[Task.CDC]))
    assert other_cdc.get(f"/investigation/outbreaks/{outbreak.pk}/edit/").status_code == 404
    assert other_cdc.post(f"/investigation/outbreaks/{outbreak.pk}/delete/").status_code == 404


def test_the_edit_page_reports_a_stale_version(login, cdc_hue, places):
    outbreak = make_outbreak(cdc_hue, places)
    services.update_outbreak(outbreak, actor=cdc_hue, version=1, fields={"name": "Mới"})
    client = login(cdc_hue)
    response = client.post(
        f"/investigation/outbreaks/{outbreak.pk}/edit/",
        post_data(places, name="Cũ", version=1),
    )
    assert response.status_code == 200
    assert "review it and save again" in response.text
    outbreak.refresh_from_db()
    assert outbreak.name == "Mới"


def test_the_delete_button_refuses_with_a_message(login, cdc_hue, places, make_case):
    outbreak = make_outbreak(cdc_hue, places)
    make_case(CaseKind.CONFIRMED, outbreak=outbreak)
    client = login(cdc_hue)
    response = client.post(f"/investigation/outbreaks/{outbreak.pk}/delete/", follow=True)
    assert "case records belong to this outbreak" in response.text
    assert Outbreak.objects.filter(pk=outbreak.pk).exists()


def test_map_data_is_geojson_with_counts_and_activity(login, cdc_hue, places, make_case):
    hot = make_outbreak(cdc_hue, places, name="Ổ nóng")
    quiet = make_outbreak(cdc_hue, places, name="Ổ yên")
    closed = make_outbreak(
        cdc_hue, places, name="Ổ đã đóng", status="closed", closed_on=TODAY, opened_on=TODAY
    )
    make_outbreak(cdc_hue, places, name="Không tọa độ", longitude=None, latitude=None)
    f0 = make_case(CaseKind.CONFIRMED, outbreak=hot, confirmed_on=TODAY)
    make_case(sources=[(f0, None)], outbreak=hot)
    data = login(cdc_hue).get("/investigation/map/data/").json()
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert set(by_name) == {hot.name, quiet.name, closed.name}
    assert by_name[hot.name]["geometry"]["coordinates"] == [107.5886, 16.4735]
    props = by_name[hot.name]["properties"]
    assert (props["cases"], props["contacts"], props["activity"]) == (1, 1, "recent")
    assert by_name[quiet.name]["properties"]["activity"] == "active"
    assert by_name[closed.name]["properties"]["activity"] == "closed"


def test_the_map_page_passes_the_tiles_through_data_attributes(login, cdc_hue):
    with override_settings(VIGIL_MAP_TILES="https://{s}.tiles.example.org/{z}/{x}/{y}.png"):
        response = login(cdc_hue).get("/investigation/map/")
    assert 'data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.text
    assert (
        "img-src 'self' data: blob: https://*.tiles.example.org;"
        in (response["Content-Security-Policy"])
    )


def test_without_tiles_the_policy_allows_no_other_image_origin(login, cdc_hue):
    response = login(cdc_hue).get("/investigation/map/")
    assert "img-src 'self' data: blob:;" in response["Content-Security-Policy"]


def test_tile_origins():
    assert tile_origin("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == (
        "https://tile.openstreetmap.org"
    )
    assert tile_origin("https://{s}.tile.osm.org/{z}/{x}/{y}.png") == "https://*.tile.osm.org"
    assert tile_origin("") == ""
    assert tile_origin("javascript:alert(1)") == ""
