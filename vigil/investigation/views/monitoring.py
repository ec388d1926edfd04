"""Medical monitoring screens ("Giám sát y tế", R-E5): the list with its tabs
(due today, missed 2 days or more, all active, ended), one period with its
checks and the daily check form, and closing a period.

Periods are read through `MonitoringPeriod.objects.visible_to(user)` (the
person's commune) and changed only through vigil.investigation.monitoring.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vigil.audit.services import stale_message
from vigil.core.permissions import READ_MONITORING, RECORD_MONITORING, may, requires
from vigil.core.scope import get_for_user

from .. import monitoring
from ..forms_monitoring import TABS, CheckForm, CloseForm, MonitoringFilterForm
from ..models import MonitoringCheck, MonitoringPeriod, MonitoringStatus

PAGE_SIZE = 50


@require_http_methods(["GET"])
@requires(READ_MONITORING)
def monitoring_list(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "due"
    form = MonitoringFilterForm(request.GET, user=request.user)
    periods = form.filter_qs(monitoring.tab(request.user, tab))
    periods = periods.annotate(last_check=Max("checks__date")).order_by(
        "-closed_at" if tab == "ended" else "end", "id"
    )
    page = Paginator(periods, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("tab", None)
    filters = query.urlencode()
    return render(
        request,
        "investigation/monitoring.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "tab": tab,
            "tabs": _tab_labels(),
            "filters": filters,
            "suffix": f"?tab={tab}&{filters}" if filters else f"?tab={tab}",
            "today": timezone.localdate(),
            "without_declaration": monitoring.symptomatic_without_declaration(request.user)[:20],
        },
    )


def _tab_labels():
    return [
        ("due", _("Due today")),
        ("missed", _("Missed 2 days or more")),
        ("active", _("All being monitored")),
        ("ended", _("Ended")),
    ]


def _period_for(request, period_id):
    return get_for_user(
        MonitoringPeriod.objects.select_related(
            "person__area", "case", "declaration", "closed_by", "created_by"
        ),
        request.user,
        pk=period_id,
    )


def _render_period(request, period, check_form=None, close_form=None, status=200):
    today = timezone.localdate()
    checks = list(period.checks.select_related("checked_by").order_by("-date"))
    for check in checks:
        check.flagged = monitoring.is_symptomatic(check)
    day = min(max(today, period.start), period.end)
    may_record = may(request.user, RECORD_MONITORING) and period.status == MonitoringStatus.ACTIVE
    context = {
        "period": period,
        "person": period.person,
        "checks": checks,
        "days": (period.end - period.start).days + 1,
        "may_record": may_record,
        "check_form": check_form or CheckForm(initial={"date": day, "version": period.version}),
        "close_form": close_form
        or CloseForm(initial={"status": MonitoringStatus.COMPLETED, "version": period.version}),
        "symptom_names": MonitoringCheck.SYMPTOMS,
    }
    return render(request, "investigation/period.html", context, status=status)


def _errors_onto(form, exc):
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _stale(form, current):
    form.add_error(None, stale_message(current))
    form.data = form.data.copy()
    form.data["version"] = current.version


@require_http_methods(["GET", "POST"])
@requires(READ_MONITORING)
def period_detail(request, period_id):
    """GET: the period and its checks. POST: the day's check (RECORD_MONITORING)."""
    period = _period_for(request, period_id)
    if request.method == "GET":
        return _render_period(request, period)
    if not may(request.user, RECORD_MONITORING):
        raise PermissionDenied
    form = CheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            check = monitoring.record_check(
                period,
                actor=request.user,
                version=data["version"],
                date=data["date"],
                temperature=data["temperature"],
                symptoms=form.symptoms(),
                note=data["note"],
            )
        except monitoring.StalePeriod as exc:
            _stale(form, exc.current)
            if exc.current.checks.filter(date=data["date"]).exists():
                form.add_error(
                    "date", _("A check of this day is recorded already: saving again changes it.")
                )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            _check_message(request, check)
            return redirect("investigation:period", period.pk)
    return _render_period(request, _period_for(request, period_id), check_form=form, status=422)


def _check_message(request, check):
    if monitoring.is_symptomatic(check):
        messages.warning(
            request,
            _("The check was recorded. Symptoms or fever: the person is in CDC's triage queue."),
        )
    else:
        messages.success(request, _("The check was recorded."))


@require_POST
@requires(RECORD_MONITORING)
def period_close(request, period_id):
    period = _period_for(request, period_id)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            monitoring.close_period(
                period,
                actor=request.user,
                version=data["version"],
                status=data["status"],
                note=data["note"],
            )
        except monitoring.StalePeriod as exc:
            _stale(form, exc.current)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, _("The monitoring period was closed."))
            return redirect("investigation:period", period.pk)
    return _render_period(request, period, close_form=form, status=422)


__all__ = ["monitoring_list", "period_close", "period_detail"]
