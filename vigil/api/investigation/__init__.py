"""Epidemiological investigation through the API (R-E1..R-E5, R-N5).

Same rules and messages as the pages: the changes go through the same
services (vigil.investigation). A record outside the caller's scope answers
404; each change sends the `version` it read and gets 409 `stale` when the
record changed since. The operations name their `operation_id`.
"""

from ninja import Router

router = Router(tags=["investigation"])

# Imported once `router` exists: their operations register on it.
# isort: off
from vigil.api.investigation import cases  # noqa: E402, F401  (routes register on import)
from vigil.api.investigation import outbreaks  # noqa: E402, F401
from vigil.api.investigation import itinerary  # noqa: E402, F401
from vigil.api.investigation import monitoring  # noqa: E402, F401
from vigil.api.investigation import stats  # noqa: E402, F401

# isort: on

__all__ = ["router"]
