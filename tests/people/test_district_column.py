"""The people registry names each person's district beside the commune (issue
#16: "Xã Hương Phong" is a commune of Thị xã Hương Trà and of Huyện A Lưới),
read in the same query as the page, not one query per row."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit, Level

LIST = "/people/"


@pytest.fixture
def huong_phong(places):
    """The two communes named Xã Hương Phong, with their districts."""
    communes = (
        AdminUnit.objects.active_tree()
        .filter(level=Level.COMMUNE, name="Xã Hương Phong")
        .select_related("parent")
        .order_by("code")
    )
    assert [c.parent.name for c in communes] == ["Thị xã Hương Trà", "Huyện A Lưới"]
    return list(communes)


def rows(response):
    """{name: (commune, district)} of the table's rows."""
    body = response.content.decode()
    table = re.search(r'<table[^>]*id="people".*?</table>', body, re.S).group(0)
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        found[cells[0]] = (cells[4], cells[5])
    return found


def _queries(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize("params", [{}, {"q": "Hương Phong"}])
def test_each_row_names_its_district_with_no_query_per_row(
    client,
    make_user,
    make_person,
    places,
    huong_phong,
    params,
    settings,
    django_assert_max_num_queries,
):
    tra, a_luoi = huong_phong
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(make_user("cdc.tinh", places.province, tasks=[Task.CDC]))
    make_person(tra, "Lê Hương Phong Một")
    make_person(a_luoi, "Lê Hương Phong Hai")
    few, response = _queries(client, params)
    assert rows(response) == {
        "Lê Hương Phong Một": ("Xã Hương Phong", "Thị xã Hương Trà"),
        "Lê Hương Phong Hai": ("Xã Hương Phong", "Huyện A Lưới"),
    }
    header = re.search(r'<table[^>]*id="people".*?</thead>', response.content.decode(), re.S)
    assert "<th>District</th>" in header.group(0)
    # Thirty more people in thirty communes of other districts: not one query more.
    communes = (
        AdminUnit.objects.active_tree()
        .under(places.province)
        .filter(level=Level.COMMUNE)
        .exclude(parent__in=[tra.parent, a_luoi.parent])
        .order_by("code")[:30]
    )
    for n, commune in enumerate(communes):
        make_person(commune, f"Trần Hương Phong {n:02d}")
    with django_assert_max_num_queries(few):
        _n, response = _queries(client, params)
    shown = rows(response)
    assert len(shown) == 32
    for n, commune in enumerate(communes.select_related("parent")):
        assert shown[f"Trần Hương Phong {n:02d}"] == (commune.name, commune.parent.name)


def test_district_of_names_the_district_above_a_commune_or_village(places, huong_phong):
    from vigil.areas.templatetags.places import district_of

    tra, a_luoi = huong_phong
    village = AdminUnit.objects.create(
        tree=a_luoi.tree, code=f"{a_luoi.code}V1", name="Thôn 1", level=Level.VILLAGE,
        parent=a_luoi, path=f"{a_luoi.path}{a_luoi.code}V1/",
    )  # fmt: skip
    assert district_of(tra) == "Thị xã Hương Trà"
    assert district_of(a_luoi) == "Huyện A Lưới"
    assert district_of(village) == "Huyện A Lưới"
    assert district_of(places.district) == district_of(places.province) == ""
    assert district_of(None) == ""


def test_staff_entry_names_the_district_of_people_found_and_recent_declarations(
    client, make_user, make_person, places, huong_phong, settings
):
    from vigil.declarations import services
    from vigil.declarations.forms import DeclarationForm

    from ..declarations.helpers import form_data

    tra, a_luoi = huong_phong
    client.force_login(make_user("hs.tinh", places.province, tasks=[Task.HEALTH_STATION]))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = DeclarationForm(form_data(a_luoi, full_name="Hồ Văn Lưới", address="1 Thôn 1"))
    assert form.is_valid(), form.errors
    declared = services.submit_declaration(
        form.identity(), form.declaration_data(), channel="web"
    ).declaration
    make_person(tra, "Hồ Văn Trà")
    found = client.get("/declarations/new/", {"channel": "walk_in", "q": "Hồ Văn"})
    table = re.search(r'id="people-found".*?</table>', found.content.decode(), re.S).group(0)
    assert table.count("Xã Hương Phong") == 2
    assert "Thị xã Hương Trà" in table and "Huyện A Lưới" in table
    picked = client.get("/declarations/new/", {"channel": "walk_in", "person": declared.person_id})
    recent = re.search(r'id="recent-list".*?</table>', picked.content.decode(), re.S).group(0)
    assert "Xã Hương Phong" in recent and "Huyện A Lưới" in recent
