import datetime

import pytest
from django.core.exceptions import ValidationError

from vigil.testing import services
from vigil.testing.models import TestResult

TODAY = datetime.date.today()


def row(**changes):
    data = {"sample_date": TODAY, "test_date": TODAY, "test_type": "pcr", "result": "negative",
            "test_id": "XN-1", "batch_code": "G1", "sampling_unit": "TTYT Huế"}  # fmt: skip
    data.update(changes)
    return data


def test_it_records_several_results_for_one_person(make_person, places, make_user):
    cdc = make_user("cdc", places.province)
    person = make_person(places.commune)
    services.add_results(cdc, person, [row(), row(test_id="XN-2", result="positive")])
    assert person.tests.count() == 2
    assert TestResult.objects.get(test_id="XN-2").area_path == places.commune.path


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sample_date": TODAY + datetime.timedelta(1)}, "sample_date"),
        ({"test_date": TODAY - datetime.timedelta(1)}, "test_date"),
        ({"test_date": TODAY + datetime.timedelta(1)}, "test_date"),
        ({"test_type": "smell"}, "test_type"),
        ({"result": "maybe"}, "result"),
    ],
)
def test_bad_rows_are_refused_and_nothing_is_saved(make_person, places, changes, field):
    person = make_person(places.commune)
    with pytest.raises(ValidationError) as exc:
        services.add_results(None, person, [row(), row(**changes)])
    assert field in exc.value.message_dict
    assert not TestResult.objects.exists()


def test_a_batch_gets_one_group_code(make_person, places):
    people = [make_person(places.commune, f"Người {n}") for n in range(3)]
    services.add_batch(None, people, row(test_id="", result="pending"))
    assert TestResult.objects.filter(batch_code="G1").count() == 3
    with pytest.raises(ValidationError):
        services.add_batch(None, people, row(batch_code=""))


def test_a_lab_sheet_updates_results_by_test_id_within_scope(make_person, places):
    inside = make_person(places.commune)
    outside = make_person(places.far, "Xa")
    services.add_results(None, inside, [row(test_id="L1", result="pending", test_date=None)])
    services.add_results(None, outside, [row(test_id="L2", result="pending", test_date=None)])
    scope = TestResult.objects.filter(area_path__startswith=places.commune.path)
    updated, unknown = services.apply_lab_results(
        None,
        scope,
        {"L1": ("positive", TODAY), "L2": ("positive", TODAY), "L9": ("negative", TODAY)},
    )
    assert (updated, unknown) == (1, ["L2", "L9"])
    assert TestResult.objects.get(test_id="L1").result == "positive"
    assert TestResult.objects.get(test_id="L2").result == "pending"
