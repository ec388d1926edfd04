"""CDC triage pages (R-M1..R-M3, Fig 8): the "Xác minh biểu hiện y tế" queue, the
medical verification of one declaration, the risk rules and epidemic areas kept
as data, and the progress of the re-evaluation their changes start."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vigil.audit.services import Action, log, stale_message
from vigil.core.paging import CappedPaginator, SortChoice, load_page
from vigil.core.permissions import (
    EDIT_RULES,
    READ_RULES,
    SEE_IDENTITY,
    TRIAGE,
    may,
    requires,
)
from vigil.core.scope import get_for_user
from vigil.declarations.models import Declaration, MedicalState, RiskColour, Surveillance
from vigil.declarations.services import StaleDeclaration
from vigil.declarations.transitions import TransitionRefused
from vigil.declarations.views.records import declaration_queryset

from . import rules as rule_writes
from . import services
from .engine import FACTS
from .forms import EndAreaForm, EpidemicAreaForm, MedicalResultForm, QueueFilterForm, RuleForm
from .models import EpidemicArea, RiskBand, RiskRule
from .queue import (
    COLOURS,
    all_count,
    colour_counts,
    keyword_rows,
    probe_scope,
    queue_rows,
    sorted_pks,
)

PAGE_SIZE = 50


def _require_editor(request):
    if not may(request.user, EDIT_RULES):
        raise PermissionDenied


# The queue -------------------------------------------------------------------


def pending_for(user):
    return Declaration.objects.visible_to(user).awaiting_medical()


def queue_params(query):
    """The queue's own filter parameters and order from a query string
    (nothing else: what is carried back after a verification can only be a
    filter or the order)."""
    source = QueryDict(query or "")
    params = QueryDict(mutable=True)
    for key in (*QueueFilterForm.PARAMS, "sort"):
        value = source.get(key, "")
        if value:
            params[key] = value[:100]
    return params


def queue_url(query=""):
    params = queue_params(query)
    url = reverse("triage:queue")
    return f"{url}?{params.urlencode()}" if params else url


# Highest risk first, then the oldest, on the queue's partial index; by date
# alone no index serves the queue in a jurisdiction: offered within the cap.
SORTS = (
    SortChoice("risk", _("Highest risk first"), ("-risk_level", "created_at", "id")),
    SortChoice("oldest", _("Oldest first"), ("created_at", "id"), bounded=True),
    SortChoice("newest", _("Newest first"), ("-created_at", "-id"), bounded=True),
)


class _CountedPaginator(CappedPaginator):
    """A pager whose count the colour tabs already took (`counted` = (n, capped))."""

    def __init__(self, object_list, per_page, *, counted, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"], self.capped = counted


@require_GET
@requires(TRIAGE)
def queue(request):
    """Flagged declarations not yet medically verified, highest risk then oldest first."""
    form = QueueFilterForm(request.GET, user=request.user)
    pending = pending_for(request.user)
    chosen = form.cleaned_data.get("colour", "") if form.is_valid() else ""
    found = keyword_rows(form, pending)
    counts = colour_counts(request.user, form, pending, found)
    current = counts[chosen] if chosen else all_count(counts)
    sort = SortChoice.pick(SORTS, request.GET.get("sort"))
    paginator = _CountedPaginator(None, PAGE_SIZE, counted=current)
    # Sorting more rows than the cap by date would sort them all.
    sort_refused = sort.bounded and paginator.capped_now()
    if sort_refused:
        sort = SORTS[0]
    if found is not None:
        paginator.object_list = sorted_pks(found, chosen, sort.order)
    else:
        rows = form.filter_qs(pending)
        if chosen:
            # One colour: its entries only, not every colour of the scope.
            rows = probe_scope(request.user, form, rows)
        paginator.object_list = rows.order_by(*sort.order).values_list("pk", flat=True)
    back = queue_params(request.GET.urlencode()).urlencode()
    page = load_page(paginator.get_page(request.GET.get("page")), queue_rows(back))
    tabs = _colour_tabs(request, chosen, counts)
    return render(
        request,
        "triage/queue.html",
        {
            "form": form,
            "page": page,
            "total": paginator.count,
            "capped": paginator.capped,
            "tabs": tabs,
            "back": back,
            "sort": sort,
            "sorts": SORTS,
            "sort_refused": sort_refused,
            "count_cap": settings.VIGIL_LIST_COUNT_CAP,
        },
    )


def _colour_tabs(request, chosen, counts):
    """ "All" and one tab per colour, with `counts` (`colour_counts`): each
    count is of the list its tab opens (every filter but the colour, then the
    tab's colour), exact up to settings.VIGIL_LIST_COUNT_CAP and "10.000+"
    beyond."""
    labels = dict(RiskColour.choices)
    base = queue_params(request.GET.urlencode())
    base.pop("colour", None)
    url = reverse("triage:queue")
    n, capped = all_count(counts)
    tabs = [
        {
            "id": "colour-all",
            "label": _("All"),
            "count": n,
            "capped": capped,
            "url": _with(url, base),
            "active": not chosen,
            "css": "text-bg-secondary",
        }
    ]
    for colour in COLOURS:
        n, capped = counts[colour]
        if colour == RiskColour.GREEN and not n and chosen != colour:
            continue  # green is only pending when the bands say so
        tabs.append(
            {
                "id": f"colour-{colour}",
                "label": labels[colour],
                "count": n,
                "capped": capped,
                "url": _with(url, base, colour=colour),
                "active": chosen == colour,
                "css": f"risk-{colour}",
            }
        )
    return tabs


def _with(url, params, **changes):
    params = params.copy()
    for key, value in changes.items():
        params[key] = value
    return f"{url}?{params.urlencode()}" if params else url


# Medical verification ------------------------------------------------------------


@requires(TRIAGE)
def verify(request, declaration_id):
    """Record the medical result and the surveillance decided (R-M3)."""
    declaration = get_for_user(declaration_queryset(), request.user, pk=declaration_id)
    if request.method == "POST":
        form = MedicalResultForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.medical_verify(
                    declaration,
                    actor=request.user,
                    version=data["version"],
                    symptoms_confirmed=data["symptoms_confirmed"],
                    surveillance=data["surveillance"],
                    start=data["surveillance_start"],
                    end=data["surveillance_end"],
                    note=data["note"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except StaleDeclaration as exc:
                # Keep what was typed; the next save answers the current version.
                declaration = get_for_user(declaration_queryset(), request.user, pk=declaration.pk)
                values = request.POST.copy()
                values["version"] = str(exc.current.version)
                form = MedicalResultForm(values)
                form.is_valid()
                form.add_error(None, stale_message(declaration))
            except TransitionRefused as exc:
                declaration = get_for_user(declaration_queryset(), request.user, pk=declaration.pk)
                messages.error(request, exc.message)
                return _render_verify(request, declaration, None, data["back"])
            else:
                messages.success(
                    request,
                    _("Medical verification of %(name)s recorded: %(surveillance)s.")
                    % {
                        "name": declaration.person.full_name,
                        "surveillance": Surveillance(data["surveillance"]).label,
                    },
                )
                return redirect(queue_url(data["back"]))
        back = request.POST.get("back", "")
    else:
        back = request.GET.get("back", "")
        form = MedicalResultForm(
            initial={
                "version": declaration.version,
                "back": queue_params(back).urlencode(),
                "surveillance_start": timezone.localdate(),
            }
        )
    if declaration.medical_state == MedicalState.VERIFIED and not (form and form.errors):
        form = None
    return _render_verify(request, declaration, form, back)


def _render_verify(request, declaration, form, back):
    whole = may(request.user, SEE_IDENTITY)
    log(request, Action.VIEW, declaration, detail={"identity_shown": whole, "page": "triage"})
    return render(
        request,
        "triage/verify.html",
        {
            "declaration": declaration,
            "person": declaration.person,
            "show_identity": whole,
            "events": declaration.events.select_related("actor", "from_area", "to_area"),
            "form": form,
            "queue_url": queue_url(back),
            "may_review": True,
            "may_decide_colour": True,
        },
    )


# Rules ---------------------------------------------------------------------------


def _fact_labels(facts):
    return [(f, FACTS.get(f, f), f in FACTS) for f in facts]


@requires(READ_RULES)
def rules(request):
    """The risk rules and colour bands, visible to every staff user; editable by
    CDC and the operations centre of the province. Ids travel in the form body."""
    editor = may(request.user, EDIT_RULES)
    form = None
    editing = None
    if request.method == "POST":
        _require_editor(request)
        action = request.POST.get("action")
        rule_id = request.POST.get("rule", "")
        if rule_id and not rule_id.isdigit():
            raise Http404
        if action == "toggle":
            rule = get_object_or_404(RiskRule, pk=rule_id)
            _rule, job = rule_writes.toggle_rule(request.user, rule, request=request)
            return redirect(_job_url(job, "rules"))
        if action != "save":
            raise Http404
        editing = get_object_or_404(RiskRule, pk=rule_id) if rule_id else None
        form = RuleForm(request.POST, instance=editing)
        if form.is_valid():
            if editing is not None and not form.has_changed():
                messages.info(request, _("Nothing changed."))
                return redirect("triage:rules")
            _rule, job = rule_writes.save_rule(
                request.user, editing, form.cleaned_data, request=request
            )
            if job is None:
                messages.info(request, _("Nothing changed."))
                return redirect("triage:rules")
            return redirect(_job_url(job, "rules"))
    elif editor:
        edit = request.GET.get("edit", "")
        if edit.isdigit():
            editing = get_object_or_404(RiskRule, pk=int(edit))
        form = RuleForm(instance=editing)
    bands = list(RiskBand.objects.all())
    colours = {band.level: band.colour for band in bands}
    return render(
        request,
        "triage/rules.html",
        {
            "rules": [
                (rule, _fact_labels(rule.facts), colours.get(rule.min_level, RiskColour.GREEN))
                for rule in RiskRule.objects.all()
            ],
            "bands": bands,
            "editor": editor,
            "form": form,
            "editing": editing,
        },
    )


# Epidemic areas ------------------------------------------------------------------


@requires(READ_RULES)
def areas(request):
    """The maintained list of epidemic areas and their dates (same rights as rules)."""
    editor = may(request.user, EDIT_RULES)
    form = EpidemicAreaForm() if editor else None
    end_form = None
    if request.method == "POST":
        _require_editor(request)
        action = request.POST.get("action")
        if action == "add":
            form = EpidemicAreaForm(request.POST)
            if form.is_valid():
                _area, job = rule_writes.add_epidemic_area(
                    request.user, form.cleaned_data, request=request
                )
                return redirect(_job_url(job, "areas"))
        elif action == "end":
            end_form = EndAreaForm(request.POST)
            if end_form.is_valid():
                _area, job = rule_writes.end_epidemic_area(
                    request.user,
                    end_form.cleaned_data["area"],
                    end_form.cleaned_data["end"],
                    request=request,
                )
                return redirect(_job_url(job, "areas"))
            if "area" in end_form.errors:
                raise Http404
        elif action == "delete":
            area_id = request.POST.get("area", "")
            if not area_id.isdigit():
                raise Http404
            area = get_object_or_404(EpidemicArea.objects.select_related("unit"), pk=area_id)
            job = rule_writes.delete_epidemic_area(request.user, area, request=request)
            return redirect(_job_url(job, "areas"))
        else:
            raise Http404
    today = timezone.localdate()
    rows = []
    for area in EpidemicArea.objects.select_related("unit__parent__parent"):
        failed = end_form is not None and end_form.cleaned_data.get("area") == area
        rows.append(
            {
                "area": area,
                "current": area.start <= today and (area.end is None or today <= area.end),
                "end_value": end_form["end"].value() if failed else today.strftime("%d/%m/%Y"),
                "end_errors": end_form.errors.get("end", []) if failed else [],
            }
        )
    return render(
        request,
        "triage/areas.html",
        {"rows": rows, "editor": editor, "form": form, "today": today},
    )


# Re-evaluation jobs ----------------------------------------------------------------


def _job_url(job, back):
    return reverse("jobs:job", args=[job.pk]) + f"?back={back}"
