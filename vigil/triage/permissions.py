"""Who may change the province's risk rules and epidemic areas (R-M1): the one
definition, used by the rules and areas pages and by the triage API."""

from vigil.accounts.models import Task
from vigil.areas.models import Level

# Who may change the province's rules and epidemic areas (at province level).
RULE_EDITOR_TASKS = (Task.CDC, Task.ADMIN)


def may_edit_rules(user):
    """CDC or the operations centre of the province: the rules are province-wide."""
    return (
        user.has_task(*RULE_EDITOR_TASKS)
        and user.jurisdiction_id is not None
        and user.jurisdiction.level == Level.PROVINCE
    )
