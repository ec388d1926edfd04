"""Recording cases and contacts through the services: levels derived from
the chain, the cascade when a contact is confirmed, cycles refused, stale
edits refused, the chain checks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from vigil.accounts.models import Task
from vigil.investigation import chain, services, worklists
from vigil.investigation.models import Case, CaseEvent, CaseKind, CaseLink
from vigil.testing import services as testing
from vigil.testing.models import TestResult

from .test_chain_levels import shortest_distance

F0, CONTACT = CaseKind.CONFIRMED, CaseKind.CONTACT
DAY = datetime.date(2021, 7, 1)


def levels(*cases):
    return [Case.objects.get(pk=c.pk).level for c in cases]


def no_stale_level():
    """Every stored level equals the level derived from the whole chain."""
    kinds = dict(Case.objects.values_list("id", "kind"))
    links = list(CaseLink.objects.values_list("contact_id", "source_id"))
    stored = dict(Case.objects.values_list("id", "level"))
    assert stored == shortest_distance(kinds, links)


def test_levels_follow_the_chain(make_case):
    f0 = make_case(F0)
    f1a = make_case(sources=[(f0, DAY)])
    f1b = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1a, DAY)])
    assert levels(f0, f1a, f1b, f2) == [0, 1, 1, 2]
    assert Case.objects.get(pk=f2.pk).level_label == "F2"
    no_stale_level()


def test_confirming_a_contact_moves_everyone_below_up_one_level(make_case, cdc):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    f3 = make_case(sources=[(f2, DAY)])
    f4 = make_case(sources=[(f3, DAY)])
    f1 = Case.objects.get(pk=f1.pk)
    confirmed = services.confirm_case(
        f1, actor=cdc, version=f1.version, code="BN1981", confirmed_on=DAY
    )
    assert confirmed.kind == F0 and confirmed.code == "BN1981"
    assert levels(f0, f1, f2, f3, f4) == [0, 0, 1, 2, 3]
    moved = CaseEvent.objects.filter(action="level", case=f3).latest("id")
    assert (moved.from_data, moved.to_data) == ({"level": 3}, {"level": 2})
    moved_from = {c.pk: c.previous_level for c in worklists.reclassified(cdc)}
    assert {pk: moved_from[pk] for pk in (f2.pk, f3.pk, f4.pk)} == {f2.pk: 2, f3.pk: 3, f4.pk: 4}
    no_stale_level()


def test_a_form_read_before_the_cascade_is_refused(make_case, cdc):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    read = Case.objects.get(pk=f2.pk)
    f1 = Case.objects.get(pk=f1.pk)
    services.confirm_case(f1, actor=cdc, version=f1.version, code="BN2", confirmed_on=DAY)
    with pytest.raises(services.StaleCase):
        services.update_case(
            read, actor=cdc, version=read.version, fields={"residence_street": "1 Lê Lợi"}
        )
    assert Case.objects.get(pk=f2.pk).residence_street == ""


def test_a_contact_of_two_sources_takes_the_nearest(make_case):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    both = make_case(sources=[(f2, DAY), (f0, DAY)])
    assert levels(both) == [1]
    no_stale_level()


def test_a_link_that_would_make_a_cycle_is_refused_and_nothing_changes(make_case, cdc):
    f1 = make_case()
    f2 = make_case(sources=[(f1, DAY)])
    f3 = make_case(sources=[(f2, DAY)])
    f1 = Case.objects.get(pk=f1.pk)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.update_case(f1, actor=cdc, version=f1.version, fields={}, sources=[(f3, DAY)])
    assert "cycle" in str(refused.value.message_dict["sources"])
    assert not CaseLink.objects.filter(contact=f1).exists()
    assert chain.would_cycle(f1.pk, {f3.pk}) and not chain.would_cycle(f3.pk, {f1.pk})


def test_changing_sources_rederives_the_levels_below(make_case, cdc):
    f0 = make_case(F0)
    other = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    loose = make_case()
    below = make_case(sources=[(loose, DAY)])
    assert levels(loose, below) == [None, None]
    loose = Case.objects.get(pk=loose.pk)
    services.update_case(loose, actor=cdc, version=loose.version, fields={}, sources=[(f2, DAY)])
    assert levels(loose, below) == [3, 4]
    loose = Case.objects.get(pk=loose.pk)
    services.update_case(loose, actor=cdc, version=loose.version, fields={}, sources=[(other, DAY)])
    assert levels(loose, below) == [1, 2]
    no_stale_level()


def test_bad_input_is_refused_with_its_field(make_case, cdc, make_person, places):
    f0 = make_case(F0, code="BN77")
    person = make_person(places.commune)
    base = {"residence": places.commune, "detection": places.commune}
    with pytest.raises(ValidationError) as no_code:
        services.create_case(cdc, person=person, kind=F0, fields=base)
    assert "code" in no_code.value.message_dict
    with pytest.raises(ValidationError) as taken:
        services.create_case(cdc, person=person, kind=F0, fields={**base, "code": "bn77"})
    assert "code" in taken.value.message_dict
    with pytest.raises(ValidationError) as again:
        services.create_case(
            cdc, person=f0.person, kind=CONTACT, fields={**base, "contact_type": "household"}
        )
    assert "person" in again.value.message_dict
    future = datetime.date.today() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as later:
        services.create_case(
            cdc, person=person, kind=F0, fields={**base, "code": "BN9", "confirmed_on": future}
        )
    assert "confirmed_on" in later.value.message_dict
    assert not Case.objects.filter(person=person).exists()


def test_a_commune_cannot_record_a_case_outside_its_area(make_user, make_person, places):
    station = make_user("station", places.commune, tasks=[Task.HEALTH_STATION])
    person = make_person(places.far)
    with pytest.raises(ValidationError) as refused:
        services.create_case(
            station,
            person=person,
            kind=CONTACT,
            fields={"residence": places.far, "detection": places.far, "contact_type": "other"},
        )
    assert "detection" in refused.value.message_dict


def test_a_record_is_seen_where_detected_and_where_the_person_lives(make_case, make_user, places):
    case = make_case(F0, residence=places.far, detection=places.commune)
    home = make_user("far.station", places.far, tasks=[Task.HEALTH_STATION])
    here = make_user("here.station", places.commune, tasks=[Task.HEALTH_STATION])
    neighbour = make_user("next.station", places.neighbour, tasks=[Task.HEALTH_STATION])
    assert Case.objects.visible_to(home).filter(pk=case.pk).exists()
    assert Case.objects.visible_to(here).filter(pk=case.pk).exists()
    assert not Case.objects.visible_to(neighbour).filter(pk=case.pk).exists()


def test_a_source_cannot_be_deleted_while_contacts_name_it(make_case, cdc):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f0 = Case.objects.get(pk=f0.pk)
    with pytest.raises(ValidationError):
        services.delete_case(f0, actor=cdc, version=f0.version)
    f1 = Case.objects.get(pk=f1.pk)
    services.delete_case(f1, actor=cdc, version=f1.version)
    f0 = Case.objects.get(pk=f0.pk)
    services.delete_case(f0, actor=cdc, version=f0.version)
    assert not Case.objects.exists()


def test_opening_an_f0_from_a_positive_test_confirms_the_contact_and_closes_the_item(
    make_case, cdc
):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f2 = make_case(sources=[(f1, DAY)])
    testing.add_results(
        cdc, f1.person, [{"sample_date": DAY, "test_type": "pcr", "result": "positive"}]
    )
    fields = services.prefill_from_person(cdc, f1.person)
    assert fields["confirmed_on"] == DAY
    case = services.open_case_from_positive(cdc, f1.person, fields={**fields, "code": "BN500"})
    assert case.pk == f1.pk and case.kind == F0
    assert levels(f1, f2) == [0, 1]
    assert not TestResult.objects.positive_without_case().filter(person=f1.person).exists()
    handled = TestResult.objects.get(person=f1.person)
    assert "BN500" in handled.handled_note


def test_the_chain_checks_flag_each_kind(make_case, cdc, make_person, places):
    f0 = make_case(F0, onset_date=datetime.date(2021, 7, 10))
    before = make_case(sources=[(f0, datetime.date(2021, 7, 5))])
    late = make_case(sources=[(f0, datetime.date(2021, 7, 30))])
    fine = make_case(sources=[(f0, datetime.date(2021, 7, 12))])
    loose = make_case()
    Case.objects.filter(pk=fine.pk)  # no issue expected for `fine`
    person = make_person(places.commune)
    undated = services.create_case(
        cdc,
        person=person,
        kind=CONTACT,
        fields={"residence": places.commune, "detection": places.commune, "contact_type": "other"},
        sources=[(f0, None)],
    )
    found = {(i.case.pk, i.code) for i in chain.issues(Case.objects.visible_to(cdc))}
    assert found == {
        (before.pk, "before_source"),
        (late.pk, "long_gap"),
        (loose.pk, "no_source"),
        (undated.pk, "no_contact_date"),
        (f0.pk, "no_positive_test"),
    }
    testing.add_results(
        cdc, f0.person, [{"sample_date": DAY, "test_type": "pcr", "result": "positive"}]
    )
    found = {(i.case.pk, i.code) for i in chain.issues(Case.objects.visible_to(cdc))}
    assert (f0.pk, "no_positive_test") not in found


def test_every_change_leaves_an_event(make_case, cdc):
    f0 = make_case(F0)
    f1 = make_case(sources=[(f0, DAY)])
    f1 = Case.objects.get(pk=f1.pk)
    services.update_case(
        f1, actor=cdc, version=f1.version, fields={"residence_street": "5 Hùng Vương"}
    )
    actions = list(CaseEvent.objects.filter(case=f1).values_list("action", flat=True))
    assert actions[0] == "create" and "change" in actions
    change = CaseEvent.objects.filter(case=f1, action="change").get()
    assert change.to_data == {"residence_street": "5 Hùng Vương"}
