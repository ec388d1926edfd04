"""Shared fixtures: the administrative tree, places and accounts.

Like healthchecks' alice / bob / charlie, every scope test has an insider (a
commune of Thành phố Huế), a neighbour (another commune of the same district)
and an outsider (a commune of another district).
"""

import os
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import translation

from vigil.accounts.models import Task, User
from vigil.areas.models import AdminUnit, Level
from vigil.people.models import Person

os.environ.setdefault("VIGIL_TESTING", "true")
# Playwright's sync API runs an event loop in the test thread; Django then
# refuses ORM calls from it unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "test-password-123"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("load_areas", verbosity=0)


@pytest.fixture
def english(client):
    """Pages in English: the language cookie, and gettext for the test's own strings."""
    client.cookies["vigil_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def places(db):
    """The units the tests work in (pre-2025 tree, home province Thừa Thiên Huế)."""
    province = AdminUnit.objects.home_province()
    districts = AdminUnit.objects.active_tree().under(province).filter(level=Level.DISTRICT)
    hue = districts.get(name="Thành phố Huế")
    other_district = districts.exclude(pk=hue.pk).order_by("code").first()
    communes = AdminUnit.objects.active_tree().filter(level=Level.COMMUNE)
    return SimpleNamespace(
        province=province,
        district=hue,
        commune=communes.get(parent=hue, name="Phường Phú Nhuận"),
        neighbour=communes.get(parent=hue, name="Phường Vĩnh Ninh"),
        far=communes.filter(parent=other_district).order_by("code").first(),
        other_district=other_district,
    )


@pytest.fixture
def make_user(db):
    def make(username, unit, tasks=(Task.CDC,), **extra):
        extra.setdefault("full_name", username.title())
        user = User(username=username, tasks=list(tasks), **extra)
        user.jurisdiction = unit
        user.set_password(PASSWORD)
        user.save()
        return user

    return make


@pytest.fixture
def make_person(db):
    counter = iter(range(10**6))

    def make(area, full_name="Nguyễn Văn An", **extra):
        n = next(counter)
        fields = {
            "id_number": f"0462{n:08d}",
            "id_kind": "cccd",
            "phone": f"0905{n:06d}",
            "birth_year": 1990,
            "gender": "male",
        }
        fields.update(extra)
        return Person.objects.create(area=area, full_name=full_name, **fields)

    return make


@pytest.fixture
def admin_user(make_user, places):
    return make_user("ops.admin", places.province, tasks=[Task.ADMIN])


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do


def pytest_collection_modifyitems(items):
    """Browser tests last: their live server needs a transactional database,
    which is emptied after each of them (the administrative tree included)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="module")
def areas_back_after_flush(django_db_blocker):
    """A transactional test (the PostgreSQL races) empties every table when it
    ends, the administrative tree included: load it again for the modules
    after this one. Module scope: this runs after that emptying, which a
    function fixture would precede."""
    yield
    with django_db_blocker.unblock():
        call_command("load_areas", verbosity=0)
