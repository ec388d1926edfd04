"""The demo's investigation data: two outbreaks and a chain of about 40 case
records over four generations, seen by the demo accounts of CDC and the
health stations (vigil.demo.investigation)."""

from collections import Counter

from django.core.management import call_command

from vigil.accounts.models import User
from vigil.investigation.models import (
    Case,
    CaseLink,
    ItineraryEntry,
    MonitoringCheck,
    MonitoringPeriod,
    Outbreak,
)
from vigil.testing.models import TestResult


def test_the_demo_has_two_outbreaks_and_a_chain_of_four_generations(db):
    call_command("seed_demo", people=300, verbosity=0)
    assert Outbreak.objects.count() == 2
    assert Case.objects.count() >= 40
    levels = Counter(Case.objects.values_list("level", flat=True))
    assert set(levels) == {0, 1, 2, 3}
    assert levels[0] == 4 and Case.objects.filter(code="BN1981", level=0).exists()
    assert CaseLink.objects.count() == Case.objects.count() - 4
    assert ItineraryEntry.objects.filter(outbreak__isnull=False).exists()
    assert MonitoringCheck.objects.exists()
    assert set(MonitoringPeriod.objects.values_list("status", flat=True)) == {
        "active",
        "completed",
        "lost",
    }
    # Waiting: the positive test of one F1 and of one person with no record;
    # the F0s' own positives were handled by opening their case.
    waiting = TestResult.objects.positive_without_case()
    assert waiting.count() == 2
    assert waiting.filter(person__case_record__kind="contact").count() == 1
    # The demo's CDC and health stations see the chain.
    for name in ("cdc.huyen", "health_station.phunhuan", "health_station.vinhninh"):
        user = User.objects.get(username=name)
        assert Case.objects.visible_to(user).exists(), name
    assert (
        Case.objects.visible_to(User.objects.get(username="cdc.tinh")).count()
        == Case.objects.count()
    )
    # Loading again adds nothing.
    counts = (Case.objects.count(), Outbreak.objects.count(), ItineraryEntry.objects.count())
    call_command("seed_demo", people=300, verbosity=0)
    assert (
        Case.objects.count(),
        Outbreak.objects.count(),
        ItineraryEntry.objects.count(),
    ) == counts
