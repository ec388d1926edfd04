"""manage.py load_areas: the administrative trees and the countries."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import translation

from vigil.areas.models import AdminUnit, Country, Level
from vigil.core.text import fold


def load(**options):
    out = StringIO()
    with translation.override("en"):
        call_command("load_areas", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_it_loads_thua_thien_hue_with_nine_districts():
    load(tree="pre2025")

    province = AdminUnit.objects.get(tree="pre2025", code="46")
    districts = AdminUnit.objects.filter(tree="pre2025", parent=province)
    assert province.name == "Tỉnh Thừa Thiên Huế"
    assert province.level == Level.PROVINCE
    assert province.path == "46/"
    assert districts.count() == 9
    assert set(districts.values_list("level", flat=True)) == {Level.DISTRICT}
    assert districts.get(code="474").name == "Thành phố Huế"


@pytest.mark.django_db
def test_it_gives_phuong_phu_nhuan_its_path_search_key_and_parent():
    load(tree="pre2025")

    ward = AdminUnit.objects.get(tree="pre2025", code="19789")
    assert ward.name == "Phường Phú Nhuận"
    assert ward.short_name == "Phú Nhuận"
    assert ward.division_type == "phường"
    assert ward.level == Level.COMMUNE
    assert ward.path == "46/474/19789/"
    assert ward.search_key == "phuong phu nhuan"
    assert ward.parent.code == "474"
    assert ward.full_name() == "Phường Phú Nhuận, Thành phố Huế, Tỉnh Thừa Thiên Huế"


@pytest.mark.django_db
def test_it_loads_the_whole_pre2025_tree_with_gso_codes_as_strings():
    load(tree="pre2025")

    units = AdminUnit.objects.filter(tree="pre2025")
    assert units.filter(level=Level.PROVINCE).count() == 63
    assert units.filter(level=Level.DISTRICT).count() == 705
    assert units.filter(level=Level.COMMUNE).count() == 10603
    assert units.get(code="01").name == "Thành phố Hà Nội"
    assert units.get(code="00001").path == "01/001/00001/"


@pytest.mark.django_db
def test_the_current_tree_has_no_districts():
    load(tree="current")

    units = AdminUnit.objects.filter(tree="current")
    assert units.filter(level=Level.PROVINCE).count() == 34
    assert not units.filter(level=Level.DISTRICT).exists()
    assert units.filter(level=Level.COMMUNE).count() == 3321
    vy_da = units.get(code="19777")
    assert vy_da.name == "Phường Vỹ Dạ"
    assert vy_da.path == "46/19777/"
    assert vy_da.parent.name == "Thành phố Huế"
    assert units.get(code="04").name == "Tỉnh Cao Bằng"


@pytest.mark.django_db
def test_it_defaults_to_the_configured_tree():
    with override_settings(VIGIL_AREA_TREE="current"):
        load()

    assert AdminUnit.objects.filter(tree="current", level=Level.COMMUNE).count() == 3321


@pytest.mark.django_db
def test_it_loads_the_countries_with_vietnam_first():
    load(tree="pre2025")

    countries = list(Country.objects.all())
    assert len(countries) == 249
    assert (countries[0].code, countries[0].name, countries[0].sort_order) == ("VN", "Việt Nam", 0)
    # The rest in Vietnamese alphabetical order, the same on every database.
    folded = [fold(c.name) for c in countries[1:]]
    assert folded == sorted(folded)
    assert [c.sort_order for c in countries[1:]] == list(range(1, 249))
    assert Country.objects.get(code="KR").name == "Hàn Quốc"
    assert Country.objects.get(code="JP").name_en == "Japan"


@pytest.mark.django_db
def test_a_second_load_is_a_no_op():
    load(tree="pre2025")

    with CaptureQueriesContext(connection) as queries:
        out = load(tree="pre2025")

    assert "already loaded" in out
    assert len(queries) <= 3
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)


@pytest.mark.django_db
def test_it_restores_a_missing_commune_and_updates_names():
    load(tree="pre2025")
    AdminUnit.objects.filter(tree="pre2025", code="19816").delete()
    AdminUnit.objects.filter(tree="pre2025", code="19789").update(name="Renamed")

    out = load(tree="pre2025")

    assert "Loaded pre2025" in out
    assert AdminUnit.objects.get(tree="pre2025", code="19816").path == "46/474/19816/"
    assert AdminUnit.objects.get(tree="pre2025", code="19789").name == "Phường Phú Nhuận"
    assert AdminUnit.objects.filter(tree="pre2025", level__lte=Level.COMMUNE).count() == 11371
