"""The facility catalogue's writes live in vigil.quarantine.services: a version
check and an audit row in one transaction; the catalogue form only validates."""

import pytest

from vigil.audit.models import AuditEvent
from vigil.quarantine import services
from vigil.quarantine.models import Facility

from ..core.test_code_shape import model_writes


def test_creating_a_facility_writes_its_audit_row(cdc_hue, places):
    facility = services.create_facility(
        cdc_hue, kind="concentrated", name="KCL Vĩnh Ninh", area=places.neighbour
    )
    assert Facility.objects.get(pk=facility.pk).version == 1
    event = AuditEvent.objects.get(object_type="quarantine.facility", action="create")
    assert event.actor == cdc_hue and event.detail == {"kind": "concentrated"}


def test_updating_a_facility_names_what_changed_and_raises_the_version(cdc_hue, kcl, places):
    current = services.update_facility(
        cdc_hue, kcl, version=kcl.version, name="KCL mới", area=places.neighbour
    )
    assert (current.name, current.version) == ("KCL mới", 2)
    detail = AuditEvent.objects.get(object_type="quarantine.facility", action="change").detail
    assert detail == {
        "name": ["KCL Phú Nhuận", "KCL mới"],
        "area": [places.commune.pk, places.neighbour.pk],
    }


def test_it_refuses_a_stale_facility_version_and_writes_nothing(cdc_hue, kcl):
    services.update_facility(cdc_hue, kcl, version=1, name="First")
    with pytest.raises(services.StaleFacility) as refused:
        services.update_facility(cdc_hue, kcl, version=1, name="Late")
    assert refused.value.current.version == 2
    assert Facility.objects.get(pk=kcl.pk).name == "First"
    assert AuditEvent.objects.filter(object_type="quarantine.facility").count() == 1


def test_the_quarantine_forms_write_nothing():
    assert model_writes("vigil/quarantine/forms.py") == []
