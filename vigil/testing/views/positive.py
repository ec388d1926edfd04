"""CDC's worklist "Dương tính, chưa mở ca bệnh" (R-H1): a positive result leads
somewhere. The list (vigil.testing.worklist), and "Ghi nhận đã xử lý", the
action that closes an item until the investigation module opens an F0 case
instead. Writes go through vigil.testing.services.record_positive_handled,
as from the API.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vigil.core.permissions import CONFIRM_CASE, HANDLE_POSITIVES, may, requires
from vigil.core.scope import get_for_user
from vigil.people.models import Person

from .. import services, worklist
from ..forms import HandledForm, PositiveFilterForm
from ..models import TestResult, TestType

PAGE_SIZE = 50
# The export of this list is declared in vigil.reports.registry.
EXPORT_KEY = "tests_positive"


@require_GET
@requires(HANDLE_POSITIVES)
def positive_list(request):
    form = PositiveFilterForm(request.GET, user=request.user)
    people = worklist.with_columns(request.user, worklist.filter_people(request.user, form))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "testing/positive.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "export_key": EXPORT_KEY,
            "test_types": TestType.choices,
            "may_open_case": may(request.user, CONFIRM_CASE),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(HANDLE_POSITIVES)
def positive_handle(request, person_id):
    person = get_for_user(
        Person.objects.select_related("area", "area__parent"), request.user, pk=person_id
    )
    waiting = worklist.waiting_results(request.user, person)
    if not waiting:
        messages.info(request, _("%(name)s has no positive result waiting.") % {"name": person})
        return redirect("testing:positive")
    version = services.item_version(waiting)
    form = HandledForm(initial={"version": version})
    if request.method == "POST":
        form = HandledForm(request.POST)
        if form.is_valid():
            try:
                services.record_positive_handled(
                    request.user,
                    person,
                    version=form.cleaned_data["version"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except services.AlreadyHandled:
                messages.info(request, services.already_handled_message())
                return redirect("testing:positive")
            except services.StaleItem as exc:
                form.add_error(None, services.stale_item_message())
                form.data = form.data.copy()
                form.data["version"] = exc.current
            else:
                messages.success(
                    request, _("Recorded as handled for %(name)s.") % {"name": person.full_name}
                )
                return redirect("testing:positive")
    tests = (
        TestResult.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("created_by", "handled_by")
        .order_by("-sample_date", "-id")
    )
    return render(
        request,
        "testing/positive_handle.html",
        {"person": person, "waiting": waiting, "tests": tests, "form": form},
    )
