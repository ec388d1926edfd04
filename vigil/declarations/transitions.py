"""The one way a declaration changes state (DESIGN: "state changes are events").

A transition locks the row, refuses a stale version (optimistic locking: the
form was opened before someone else's change) or a state the action does not
start from, applies the change, bumps the version, and records a
DeclarationEvent and an audit row in the same transaction.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from vigil.audit.services import Action, log

from .models import Declaration, DeclarationEvent
from .services import StaleDeclaration


class TransitionRefused(Exception):
    """The action does not apply to the declaration's current state."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


ALREADY_DONE = _("This declaration was already handled; reload it to see its current state.")


@transaction.atomic
def transition(
    declaration,
    *,
    actor,
    version,
    action,
    state_field,
    allowed_from,
    to_state,
    changes=None,
    note="",
    data=None,
    to_area=None,
):
    """Move `declaration.<state_field>` from one of `allowed_from` to `to_state`.

    `changes` are other fields to set (surveillance type and dates...).
    `to_area` moves the declaration to another commune (a transfer).
    Returns the updated declaration.
    """
    current = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if version is not None and current.version != version:
        raise StaleDeclaration(current)
    from_state = getattr(current, state_field)
    if from_state not in allowed_from:
        raise TransitionRefused(ALREADY_DONE)
    from_area = current.area
    setattr(current, state_field, to_state)
    for field, value in (changes or {}).items():
        setattr(current, field, value)
    if to_area is not None:
        current.transferred_from = from_area
        current.area = to_area
        current.village = None
    current.version += 1
    current.save()
    DeclarationEvent.objects.create(
        declaration=current,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        from_area=from_area if to_area is not None else None,
        to_area=to_area,
        note=note,
        data=data or {},
    )
    log(
        actor,
        Action.CHANGE,
        current,
        area_path=from_area.path if to_area is not None else current.area_path,
        detail={"action": action, "from": from_state, "to": to_state, "note": note, **(data or {})},
    )
    return current
