"""The verification work queues (R-V1, R-V3), named once for the pages, the
API, the exports and the menu counts."""

from django.db.models import Q
from django.utils.translation import gettext_lazy

from vigil.accounts.models import Task
from vigil.declarations.models import RegistrationKind, VerificationState

from .forms import VERIFY_TASKS

# key: (title, condition on the scoped declarations, url name)
QUEUES = {
    "pending": (
        gettext_lazy("Verify arrivals in the locality"),
        Q(verification_state=VerificationState.PENDING),
        "verification:queue",
    ),
    "students": (
        gettext_lazy("Verify students returning to study"),
        Q(verification_state=VerificationState.PENDING, registration_kind=RegistrationKind.STUDENT),
        "verification:students",
    ),
    "medical": (
        gettext_lazy("Verify medical visits"),
        Q(verification_state=VerificationState.PENDING, registration_kind=RegistrationKind.MEDICAL),
        "verification:medical",
    ),
    "failed": (
        gettext_lazy("Failed verifications"),
        Q(verification_state=VerificationState.FAILED),
        "verification:failed",
    ),
    "amended": (
        gettext_lazy("Amended after verification"),
        Q(amended_after_decision=True),
        "verification:amended",
    ),
}


def for_user(queryset, user):
    """Narrow a declaration queryset for a school account: only the students
    who declared that school (the account's work unit), within its
    jurisdiction. Every other verifying account keeps its whole scope."""
    if user.has_task(*VERIFY_TASKS) or not user.has_task(Task.SCHOOL):
        return queryset
    return queryset.filter(
        registration_kind=RegistrationKind.STUDENT, school__iexact=user.unit_name.strip() or "-"
    )
