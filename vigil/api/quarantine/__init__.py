"""Concentrated quarantine through the API (R-Q2..R-Q4, R-H1, R-N5).

Same rules and messages as the pages: the bodies are bound to the pages' own
forms (vigil.quarantine.forms) and the changes go through the same services
(vigil.quarantine.services). Who may call each operation is its capability
(vigil.core.permissions): FOLLOW_TAKE_IN for the "to take in" list, TAKE_IN
for intake and the actions on a stay, READ_QUARANTINE for the lists, the
facilities and the board, EDIT_FACILITIES and ADD_ROOMS for the catalogue. A
record outside the caller's scope answers 404 (a facility manager sees their
facility only).

Each action on a stay or a facility sends its `version` as read: 409 `stale`
when it changed since. Intake of a found person with a correction sends the
person's `version`: 409 `stale` on `person.version` when it changed.

The operations are grouped by capability: `intake` (the "to take in" list and
intake), `stays` (the lists and one stay's actions), `facilities` (the
catalogue and the board); `shared` holds what they share. The operations name
their `operation_id`: it must not change when code moves between modules.
"""

from ninja import Router

router = Router(tags=["quarantine"])

# Imported once `router` exists: their operations register on it.
# isort: off
from vigil.api.quarantine import intake  # noqa: E402, F401  (routes register on import)
from vigil.api.quarantine import stays  # noqa: E402, F401
from vigil.api.quarantine import facilities  # noqa: E402, F401

# isort: on

__all__ = ["router"]
