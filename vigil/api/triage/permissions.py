"""Who may do what in the triage API: record medical results (R-M3), change the
province's risk rules and epidemic areas (R-M1).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from vigil.accounts.models import Task
from vigil.triage.permissions import RULE_EDITOR_TASKS, may_edit_rules

# Who records medical results (R-M3).
MEDICAL_TASKS = (Task.CDC, Task.HEALTH_STATION)

__all__ = ["MEDICAL_TASKS", "RULE_EDITOR_TASKS", "may_edit_rules", "require_editor"]


def require_editor(user):
    if not may_edit_rules(user):
        raise PermissionDenied(_("Only CDC or the operations centre of the province can do this."))
