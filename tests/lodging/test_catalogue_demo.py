"""The demo's establishments and guests (issue 14): bound reception accounts,
guests in and out, some undeclared, one guest in two places the same night,
one establishment silent for days; seeding again adds nothing."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from vigil.accounts.models import User
from vigil.lodging.models import Establishment, GuestStay, GuestStayEvent


@pytest.fixture
def demo(db):
    call_command("seed_demo", people=300, verbosity=0)


def test_the_demo_has_establishments_and_guests(demo):
    establishments = list(Establishment.objects.all())
    assert 4 <= len(establishments) <= 6
    assert {e.kind for e in establishments} >= {"hotel", "guest_house", "homestay"}
    stays = GuestStay.objects.all()
    assert stays.in_house().exists() and stays.checked_out().exists()
    assert stays.filter(declaration__isnull=True).exists()
    assert stays.filter(declaration__isnull=False).count() > stays.count() / 2
    assert GuestStayEvent.objects.filter(action="check_in").count() == stays.count()
    # One guest in two establishments the same night.
    doubled = [
        p
        for p in stays.in_house().values_list("person", flat=True)
        if stays.in_house().filter(person=p).values("establishment").distinct().count() > 1
    ]
    assert doubled
    # One establishment open without a check-in for five days or more.
    since = timezone.now() - datetime.timedelta(days=5)
    silent = [
        e
        for e in establishments
        if e.status == "open" and not e.guest_stays.filter(check_in__gte=since).exists()
    ]
    assert silent


def test_the_demo_reception_accounts_see_their_establishment_only(demo, client):
    for username in ("establishment.phunhuan", "establishment.vinhninh"):
        user = User.objects.get(username=username)
        assert user.establishment_id is not None
        assert user.jurisdiction == user.establishment.area
        assert list(Establishment.objects.visible_to(user)) == [user.establishment]
        assert {s.establishment_id for s in GuestStay.objects.visible_to(user)} == {
            user.establishment_id
        }
        client.force_login(user)
        assert client.get("/lodging/establishments/").status_code == 200


def test_seeding_again_adds_nothing(demo):
    counts = (Establishment.objects.count(), GuestStay.objects.count())
    call_command("seed_demo", people=300, verbosity=0)
    assert (Establishment.objects.count(), GuestStay.objects.count()) == counts
