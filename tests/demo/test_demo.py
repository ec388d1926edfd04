from django.core.management import call_command

from vigil.accounts.models import Task, User
from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.quarantine.models import Stay
from vigil.quarantine.worklists import count_to_take_in
from vigil.verification.models import Registration


def test_the_demo_data_is_complete_and_loads_twice_without_change(db):
    call_command("seed_demo", people=300, verbosity=0)
    assert User.objects.count() == len(Task.values) * 4
    (manager,) = User.objects.filter(facility__isnull=False)
    assert manager.username == "facility.vinhninh"
    counts = (Person.objects.count(), Declaration.objects.count(), Stay.objects.count())
    assert counts[0] == 300 and counts[1] > 50
    # The facility manager sees the people of the facility, nobody else.
    assert set(Person.objects.visible_to(manager)) == {s.person for s in Stay.objects.all()}
    # Each hand-off has work waiting: approvals of registrations, people to take in.
    assert Registration.objects.filter(state="pending").count() == 4
    assert count_to_take_in(manager) > 0
    call_command("seed_demo", people=300, verbosity=0)
    assert (Person.objects.count(), Declaration.objects.count(), Stay.objects.count()) == counts
    assert Registration.objects.count() == 4
    assert User.objects.get(username="leader.tinh").check_password("Vigil@2021")
