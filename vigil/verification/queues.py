"""The verification work queues (R-V1, R-V3), named once for the pages, the
API, the exports and the menu counts."""

from django.utils.translation import gettext_lazy

from vigil.core.permissions import VERIFY, may
from vigil.core.tasks import Task
from vigil.declarations.models import VERIFICATION_QUEUES, RegistrationKind

# key: (title, condition on the scoped declarations, url name). The conditions
# are Declaration.objects.verification_queue(key)'s, named once in the model.
_TITLES = {
    "pending": (gettext_lazy("Verify arrivals in the locality"), "verification:queue"),
    "students": (gettext_lazy("Verify students returning to study"), "verification:students"),
    "medical": (gettext_lazy("Verify medical visits"), "verification:medical"),
    "failed": (gettext_lazy("Failed verifications"), "verification:failed"),
    "amended": (gettext_lazy("Amended after verification"), "verification:amended"),
}
QUEUES = {key: (title, VERIFICATION_QUEUES[key], url) for key, (title, url) in _TITLES.items()}


def for_user(queryset, user):
    """Narrow a declaration queryset for a school account: only the students
    who declared that school (the account's work unit), within its
    jurisdiction. Every other verifying account keeps its whole scope."""
    if may(user, VERIFY) or not user.has_task(Task.SCHOOL):
        return queryset
    return queryset.filter(
        registration_kind=RegistrationKind.STUDENT, school__iexact=user.unit_name.strip() or "-"
    )
