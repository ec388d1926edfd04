"""Accommodation establishments through the API (R-A1, R-A2, R-N5): the
catalogue, the guest register, the police view and statistics for staff
(personal tokens), and check-in / check-out for the establishments'
property-management systems (per-establishment keys, batches with
idempotency keys). Same services and messages as the pages."""

from ninja import Router

router = Router(tags=["lodging"])

# Imported once `router` exists: their operations register on it.
# isort: off
from vigil.api.lodging import establishments  # noqa: E402, F401  (routes register on import)
from vigil.api.lodging import guests  # noqa: E402, F401
from vigil.api.lodging import pms  # noqa: E402, F401
from vigil.api.lodging import police  # noqa: E402, F401

# isort: on

__all__ = ["router"]
