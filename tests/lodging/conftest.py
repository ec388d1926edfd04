"""Shared fixtures for the lodging tests: an open hotel in the insider commune,
its reception account, the commune's police and an establishment far away."""

import pytest

from vigil.accounts.models import Task
from vigil.areas.models import AdminUnit
from vigil.lodging.models import Establishment, EstablishmentKind


def _village(commune):
    return AdminUnit.objects.active_tree().filter(parent=commune).order_by("code").first()


@pytest.fixture
def make_establishment(db):
    counter = iter(range(1, 10**6))

    def make(commune, name=None, kind=EstablishmentKind.HOTEL, **fields):
        n = next(counter)
        fields.setdefault("village", _village(commune))
        fields.setdefault("rooms", 20)
        fields.setdefault("address", f"{n} Lê Lợi")
        return Establishment.objects.create(
            name=name or f"Khách sạn Số {n}", kind=kind, area=commune, **fields
        )

    return make


@pytest.fixture
def establishment(make_establishment, places):
    """An open hotel in the insider commune (Phường Phú Nhuận)."""
    return make_establishment(places.commune, "Khách sạn Hương Giang", licence_number="GP-001")


@pytest.fixture
def far_establishment(make_establishment, places):
    """An open guest house in a commune of another district."""
    return make_establishment(places.far, "Nhà nghỉ Xa", kind=EstablishmentKind.GUEST_HOUSE)


@pytest.fixture
def reception(make_user, establishment):
    """The establishment's own account: sees only its establishment."""
    return make_user(
        "reception.huonggiang",
        establishment.area,
        tasks=[Task.ESTABLISHMENT],
        establishment=establishment,
    )


@pytest.fixture
def police(make_user, places):
    """The police of the insider commune."""
    return make_user("police.phunhuan", places.commune, tasks=[Task.POLICE])
