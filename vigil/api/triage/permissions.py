"""Who may do what in the triage API: record medical results (R-M3), change the
province's risk rules and epidemic areas (R-M1).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vigil.accounts.models import Task
from vigil.areas.models import Level

# Who records medical results (R-M3).
MEDICAL_TASKS = (Task.CDC, Task.HEALTH_STATION)
# Who changes the province's rules and epidemic areas (at province level).
RULE_EDITOR_TASKS = (Task.CDC, Task.ADMIN)


def may_edit_rules(user):
    """CDC or the operations centre of the province: the rules are province-wide."""
    return (
        user.has_task(*RULE_EDITOR_TASKS)
        and user.jurisdiction_id is not None
        and user.jurisdiction.level == Level.PROVINCE
    )


def require_editor(user):
    if not may_edit_rules(user):
        raise PermissionDenied(_("Only CDC or the operations centre of the province can do this."))
