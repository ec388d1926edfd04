"""The counted tables (the tally and the departure and vehicle rollups) are
read by scope, `area_path LIKE '46/474/%'`: under the database's C.UTF-8
collation only an index with the pattern operator class turns that into a
range, so a commune's sum reads its own rows, not the whole table."""

import pytest
from django.db import connection

from vigil.reports.models import (
    DeclarationTally,
    DepartureTally,
    DepartureTotal,
    VehicleTally,
    VehicleTotal,
)

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model", [DeclarationTally, DepartureTally, DepartureTotal, VehicleTally, VehicleTotal]
)
def test_a_scope_is_a_range_of_an_index(model, places):
    scoped = model.objects.filter(area_path__startswith=places.commune.path)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = scoped.values("pk").explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "~>=~" in plan, plan  # LIKE 'prefix%' as an index range
