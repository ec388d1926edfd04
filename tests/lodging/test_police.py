"""The police view (R-A2): its numbers equal the lists they open, the scope
(a far police sees nothing of this commune, an establishment's account is
refused the page), the drill-down, the guests in two establishments the same
night, and the idle establishments."""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from vigil.accounts.models import Task
from vigil.declarations.models import Declaration
from vigil.lodging import police, services
from vigil.lodging.models import Establishment, GuestStay

from ..scope.samples import make_declaration


def stay(actor, establishment, person, *, colour=None, declared=True, at=None, out=None):
    declaration = None
    if declared:
        declaration = make_declaration(person, establishment.area)
        if colour:
            Declaration.objects.filter(pk=declaration.pk).update(risk_colour=colour)
            declaration.refresh_from_db()
    result = services.check_in(
        actor, establishment, person=person, declaration=declaration, room="1", at=at
    )
    if not declared:
        GuestStay.objects.filter(pk=result.stay.pk).update(declaration=None)
    if out is not None:
        result.stay.refresh_from_db()
        when = None if out is True else out
        services.check_out(result.stay, actor=actor, version=result.stay.version, at=when)
    return result.stay


def age(establishment, days):
    """An establishment in the catalogue for `days` days."""
    Establishment.objects.filter(pk=establishment.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )


@pytest.fixture
def world(places, make_person, make_establishment, establishment, far_establishment, reception):
    """Tonight in Phú Nhuận: three guests at the hotel (one undeclared, one red,
    one orange), one checked-out guest; a second hotel where the red guest
    also stays tonight; an idle guest house; a guest at the far guest house."""
    second = make_establishment(places.commune, "Khách sạn Thứ Hai")
    idle = make_establishment(places.commune, "Nhà nghỉ Vắng")
    age(idle, 10)
    old = timezone.now() - datetime.timedelta(days=20)
    people = [make_person(places.commune, full_name=f"Khách {n}") for n in range(5)]
    undeclared = stay(reception, establishment, people[0], declared=False)
    red = stay(reception, establishment, people[1], colour="red")
    stay(reception, establishment, people[2], colour="orange")
    stay(reception, establishment, people[3], out=True)
    stay(reception, second, people[1])  # the red guest, at a second hotel tonight
    stay(reception, idle, people[4], at=old, out=old + datetime.timedelta(days=1))
    stay(reception, far_establishment, make_person(places.far), declared=False)
    return {"undeclared": undeclared, "red": red, "second": second, "idle": idle}


def test_figures_of_the_commune(world, police_user):
    f = police.figures(police_user, police_user.jurisdiction)
    assert f.guests.value == 4
    assert f.undeclared.value == 1
    assert (f.red.value, f.orange.value) == (1, 1)
    assert f.establishments.value == 2
    assert f.idle.value == 1
    assert f.twice.value == 2  # the red guest's two stays
    assert police.count_undeclared(police_user) == 1


def test_numbers_equal_the_lists_they_open(world, police_user):
    """Each card's link names the register's filters that read the same rows."""
    f = police.figures(police_user, police_user.jurisdiction)
    in_house = GuestStay.objects.visible_to(police_user).filter(check_out__isnull=True)
    assert "tab=in_house" in f.guests.url and in_house.count() == f.guests.value
    assert "declared=no" in f.undeclared.url
    assert in_house.filter(declaration__isnull=True).count() == f.undeclared.value
    assert "colour=red" in f.red.url
    assert in_house.filter(declaration__risk_colour="red").count() == f.red.value
    assert list(police.idle_list(police_user)) == [world["idle"]]
    twice = {s.pk for s in police.twice_list(police_user)}
    assert twice == {world["red"].pk, GuestStay.objects.get(establishment=world["second"]).pk}


def _listed(user, url):
    """The rows the guest register shows for `url` (its own filter form)."""
    from django.http import QueryDict

    from vigil.lodging.filters import GuestFilterForm

    form = GuestFilterForm(QueryDict(url.split("?", 1)[1]), user=user)
    return form.filter_qs(GuestStay.objects.visible_to(user)).count()


def test_each_number_is_the_register_it_opens(world, places, make_user):
    province = make_user("police.province", places.province, tasks=[Task.POLICE])
    for user, unit in ((province, places.province), (province, places.district)):
        table = police.by_area(user, unit)
        for row in [*table.rows, table.total]:
            for cell in (row.guests, row.undeclared, row.red, row.orange):
                assert _listed(user, cell.url) == cell.value, (row.name, cell.url)
    f = police.figures(province, places.commune)
    for cell in (f.guests, f.undeclared, f.red, f.orange):
        assert _listed(province, cell.url) == cell.value, cell.url


def test_the_page_shows_the_cards_and_the_lists(world, police_user, login):
    client = login(police_user)
    page = client.get(reverse("lodging:police"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="card-undeclared"' in html and 'data-n="1"' in html
    assert "declared=no" in html
    idle = client.get(reverse("lodging:police"), {"show": "idle"}).content.decode()
    assert 'id="idle-list"' in idle and "Nhà nghỉ Vắng" in idle
    twice = client.get(reverse("lodging:police"), {"show": "twice"}).content.decode()
    assert 'id="twice-list"' in twice and "Khách 1" in twice


def test_drill_down_province_to_establishment(world, places, make_user, login):
    province = make_user("police.province", places.province, tasks=[Task.POLICE])
    table = police.by_area(province, places.province)
    row = next(r for r in table.rows if r.key == places.district.pk)
    assert row.drill == {"unit": places.district.pk}
    assert (row.guests.value, row.undeclared.value, row.idle.value) == (4, 1, 1)
    assert f"district={places.district.pk}" in row.undeclared.url
    assert table.total.guests.value == 5 and table.total.undeclared.value == 2
    district = police.by_area(province, places.district)
    commune_row = next(r for r in district.rows if r.key == places.commune.pk)
    assert commune_row.guests.value == 4 and commune_row.establishments == 3
    commune = police.by_area(province, places.commune)
    hotel = next(r for r in commune.rows if r.key == world["red"].establishment_id)
    assert hotel.is_establishment and f"establishment={hotel.key}" in hotel.url
    assert (hotel.guests.value, hotel.undeclared.value, hotel.red.value) == (3, 1, 1)
    page = login(province).get(reverse("lodging:police"), {"unit": places.commune.pk})
    assert page.status_code == 200 and "Khách sạn Hương Giang" in page.content.decode()


def test_a_far_police_sees_nothing_of_this_commune(world, places, make_user, login):
    far = make_user("police.far", places.far, tasks=[Task.POLICE])
    f = police.figures(far, far.jurisdiction)
    assert f.guests.value == 1 and f.undeclared.value == 1 and f.twice.value == 0
    client = login(far)
    assert client.get(reverse("lodging:police"), {"unit": places.commune.pk}).status_code == 404
    html = client.get(reverse("lodging:police"), {"show": "twice"}).content.decode()
    assert "Khách 1" not in html and "Khách sạn Hương Giang" not in html


def test_an_establishment_account_is_refused(world, reception, login):
    assert login(reception).get(reverse("lodging:police")).status_code == 403


def test_a_new_establishment_is_not_idle_yet(places, make_establishment, police_user):
    make_establishment(places.commune, "Mới mở")
    assert police.idle_establishments(police_user).count() == 0


def test_a_closed_establishment_is_not_idle(places, make_establishment, police_user):
    closed = make_establishment(places.commune, "Đã đóng", status="closed")
    age(closed, 30)
    assert police.idle_establishments(police_user).count() == 0


def test_few_queries_whatever_the_stays(world, police_user, login, django_assert_max_num_queries):
    client = login(police_user)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("lodging:police")).status_code == 200


@pytest.fixture
def police_user(police):
    return police


def test_checked_out_guests_are_not_tonight(world, police_user):
    ids = set(police.in_house(police_user).values_list("pk", flat=True))
    out = GuestStay.objects.filter(~Q(check_out=None)).values_list("pk", flat=True)
    assert ids.isdisjoint(out)
