"""Helpers for the investigation tests: case records made through the services."""

import datetime

import pytest

from vigil.accounts.models import Task
from vigil.investigation import services
from vigil.investigation.models import CaseKind


@pytest.fixture
def cdc(make_user, places):
    return make_user("cdc.province", places.province, tasks=[Task.CDC])


@pytest.fixture
def make_case(cdc, make_person, places):
    """make_case(kind="confirmed"|"contact", sources=[(case, date)], area=...)."""
    counter = iter(range(1, 10**6))

    def make(kind=CaseKind.CONTACT, sources=(), area=None, actor=None, **fields):
        n = next(counter)
        area = area or places.commune
        person = make_person(area, f"Người Số {n}")
        values = {"residence": area, "detection": area, **fields}
        if kind == CaseKind.CONFIRMED:
            values.setdefault("code", f"BN{n:04d}")
        else:
            values.setdefault("contact_type", "household")
        return services.create_case(
            actor or cdc,
            person=person,
            kind=kind,
            fields=values,
            sources=[(s, d or datetime.date(2021, 7, 1)) for s, d in sources],
        )

    return make
