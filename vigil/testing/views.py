"""Test results (R-T1..R-T3, §II.8 and §II.11 of the seed).

- "Kết quả xét nghiệm": the people in scope who are not yet tested / tested,
  filtered, with the number of tests and the latest result of each.
- The person's tests and a table of rows to add one or more results.
- Batch entry: one sample for several people under one group code.
- The lab's result sheet, matched by test ID; its template.
- Statistics by sample date, by commune, by type and result.

Rows are read only through `visible_to` / `get_for_user`, and written only by
vigil.testing.services: these views never save a model themselves.
"""

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from vigil.accounts.decorators import task_required
from vigil.areas.models import AdminUnit, Level
from vigil.core.phones import normalize_phone
from vigil.core.scope import get_for_user
from vigil.declarations import questions
from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.people.validators import normalize_id_number
from vigil.quarantine.models import Stay

from . import imports, services
from .forms import (
    ENTRY_TASKS,
    IMPORT_TASKS,
    MAX_BATCH,
    VIEW_TASKS,
    BatchForm,
    LabSheetForm,
    PeopleFilterForm,
    ResultRowFormSet,
    StatsFilterForm,
    keyword_q,
    row_initial,
)
from .models import TestOutcome, TestResult, TestType
from .summary import TestSummary, annotate_tests

PAGE_SIZE = 50
# What the clerk chose last (sampling unit, test type, checkpoint), kept for
# the next rows.
SESSION_KEY = "testing.row"
UNTESTED, TESTED = "untested", "tested"
TABS = (
    (UNTESTED, gettext_lazy("Not tested")),
    (TESTED, gettext_lazy("Tested")),
)
# Declaration fields shown in the list's columns.
DECLARATION_COLUMNS = ("pk", "student_code", "surveillance", "arrival_date",
                       *questions.KEYS)  # fmt: skip


# The people in scope ------------------------------------------------------------


def _declarations(user):
    return Declaration.objects.visible_to(user).filter(person=OuterRef("pk"))


def _results(user):
    return TestResult.objects.visible_to(user).filter(person=OuterRef("pk"))


def people_of_tab(user, tab):
    """The people in scope who arrived (a declaration), were quarantined (a
    stay) or were tested, split into "not tested" and "tested" (at least one
    result): "Tổng đối tượng" of each tab.

    The person is in scope already; a stay counts wherever its facility is,
    because the facility of a quarantined resident often lies in another
    district, and only the fact of the stay is used, never its details.
    """
    people = Person.objects.visible_to(user)
    results = Exists(_results(user))
    if tab == TESTED:
        return people.filter(results)
    stays = Stay.objects.filter(person=OuterRef("pk"))
    return people.filter(Exists(_declarations(user)) | Exists(stays)).filter(~results)


def filter_people(user, form, tab):
    """The people of `tab`, narrowed by `form` (an invalid form: nobody)."""
    people = people_of_tab(user, tab)
    if not form.is_valid():
        return people.none()
    data = form.cleaned_data
    people = people.filter(form.area_q())
    start, end = data.get("date_from"), data.get("date_to")
    if start or end:
        people = people.filter(_in_period(user, tab, start, end))
    latest = _declarations(user).order_by("-created_at", "-id")
    if data.get("contact"):
        people = people.alias(latest_contact=Subquery(latest.values(data["contact"])[:1]))
        people = people.filter(latest_contact=True)
    if data.get("surveillance"):
        people = people.alias(latest_surveillance=Subquery(latest.values("surveillance")[:1]))
        people = people.filter(latest_surveillance=data["surveillance"])
    if data.get("q"):
        people = people.filter(keyword_q(data["q"]))
    return people


def _in_period(user, tab, start, end):
    """Tested: a sample taken in the period. Not tested: arrived in it (a
    declaration's arrival date, or the start of a quarantine stay)."""

    def between(field):
        q = Q()
        if start:
            q &= Q(**{f"{field}__gte": start})
        if end:
            q &= Q(**{f"{field}__lte": end})
        return q

    if tab == TESTED:
        return Exists(_results(user).filter(between("sample_date")))
    stays = Stay.objects.filter(person=OuterRef("pk")).filter(between("start_date"))
    return Exists(_declarations(user).filter(between("arrival_date"))) | Exists(stays)


def with_columns(user, people, tab):
    """`people` with what the list shows, in one query for the page (plus one
    for the latest declarations of its rows)."""
    latest = _declarations(user).order_by("-created_at", "-id")
    people = annotate_tests(people, user).annotate(
        latest_declaration_id=Subquery(latest.values("pk")[:1])
    )
    people = people.select_related("area", "area__parent")
    if tab == TESTED:
        return people.order_by(F("latest_sample_date").desc(nulls_last=True), "search_key", "id")
    return people.order_by("search_key", "id")


def _attach_declarations(page):
    ids = [p.latest_declaration_id for p in page if p.latest_declaration_id]
    found = Declaration.objects.filter(pk__in=ids).only(*DECLARATION_COLUMNS).in_bulk()
    for person in page:
        person.test_summary = TestSummary.of(person)
        declaration = found.get(person.latest_declaration_id)
        person.declaration = declaration
        person.exposures, person.symptoms, person.conditions = [
            [label for key, label in group if declaration and getattr(declaration, key)]
            for group in (questions.EXPOSURES, questions.SYMPTOMS, questions.CONDITIONS)
        ]


@require_GET
@task_required(*VIEW_TASKS)
def people_list(request):
    tab = TESTED if request.GET.get("tab") == TESTED else UNTESTED
    form = PeopleFilterForm(request.GET, user=request.user)
    people = with_columns(request.user, filter_people(request.user, form, tab), tab)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    _attach_declarations(page)
    return render(
        request,
        "testing/list.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "tab": tab,
            "tabs": [(key, label, _tab_url(request, key), key == tab) for key, label in TABS],
            "may_enter": request.user.has_task(*ENTRY_TASKS),
            "may_import": request.user.has_task(*IMPORT_TASKS),
        },
    )


def _tab_url(request, tab):
    params = request.GET.copy()
    params.pop("page", None)
    params["tab"] = tab
    return "?" + params.urlencode()


# One person's tests ---------------------------------------------------------------


def _sticky(request):
    return request.session.get(SESSION_KEY, {})


def _remember(request, row):
    request.session[SESSION_KEY] = {
        name: str(row.get(name) or "") for name in ("sampling_unit", "test_type", "checkpoint")
    }


def _sampling_units(user):
    """Sampling units already used in scope, offered while typing (datalist)."""
    units = (
        TestResult.objects.visible_to(user)
        .exclude(sampling_unit="")
        .order_by("sampling_unit")
        .values_list("sampling_unit", flat=True)
        .distinct()
    )
    return list(units[:50])


@require_http_methods(["GET", "POST"])
@task_required(*VIEW_TASKS)
def person_tests(request, person_id):
    person = get_for_user(
        Person.objects.select_related("area", "area__parent"), request.user, pk=person_id
    )
    may_enter = request.user.has_task(*ENTRY_TASKS)
    initial = row_initial(request.user, _sticky(request))
    formset = ResultRowFormSet(form_kwargs={"initial": initial}, prefix="rows")
    if request.method == "POST":
        if not may_enter:
            raise PermissionDenied
        formset = ResultRowFormSet(request.POST, form_kwargs={"initial": initial}, prefix="rows")
        if formset.is_valid():
            rows = formset.rows()
            try:
                created = services.add_results(request.user, person, [row for _f, row in rows])
            except ValidationError as exc:
                _place_service_errors(formset, rows, exc)
            else:
                _remember(request, rows[-1][1])
                messages.success(
                    request,
                    ngettext(
                        "%(count)d result saved for %(name)s.",
                        "%(count)d results saved for %(name)s.",
                        len(created),
                    )
                    % {"count": len(created), "name": person.full_name},
                )
                return redirect("testing:person", person_id=person.pk)
    results = (
        TestResult.objects.visible_to(request.user)
        .filter(person=person)
        .select_related("created_by", "handled_by")
        .order_by("-sample_date", "-id")
    )
    declaration = Declaration.objects.visible_to(request.user).filter(person=person).first()
    return render(
        request,
        "testing/person.html",
        {
            "person": person,
            "results": results,
            "declaration": declaration,
            "formset": formset,
            "may_enter": may_enter,
            "sampling_units": _sampling_units(request.user) if may_enter else [],
        },
    )


def _place_service_errors(formset, rows, exc):
    """The service refused a row (checked again inside its transaction): find
    which, and say it next to its fields."""
    placed = False
    for form, row in rows:
        try:
            services.check_row(row)
        except ValidationError as row_exc:
            form.add_service_errors(row_exc)
            placed = True
    if not placed:
        formset.non_form_errors().extend(exc.messages)


# Batch entry -----------------------------------------------------------------------

_COMPACT = re.compile(r"[\s.\-()]")


def resolve_lines(user, text):
    """(people, lines that match nobody, lines that match several people).

    Each line is an ID number, a phone or a declaration code, looked up only
    among what `user` may see: a line naming someone outside the jurisdiction
    matches nobody, as if they did not exist.
    """
    lines = []
    for raw in (text or "").splitlines():
        line = " ".join(raw.split())
        if line and line not in lines:
            lines.append(line)
    # More lines than a batch may hold are refused by the caller anyway.
    lines = lines[: MAX_BATCH + 1]
    if not lines:
        return [], [], []
    people = Person.objects.visible_to(user)
    keys = {line: normalize_id_number(_COMPACT.sub("", line)).lstrip("+") for line in lines}
    phones = {line: normalize_phone(line) for line in lines}
    by_id, by_phone, by_code = {}, {}, {}
    for pk, number in people.filter(id_number__in=set(keys.values())).values_list(
        "pk", "id_number"
    ):
        by_id.setdefault(number, set()).add(pk)
    wanted_phones = {p for p in phones.values() if p}
    if wanted_phones:
        for pk, phone in people.filter(phone__in=wanted_phones).values_list("pk", "phone"):
            by_phone.setdefault(phone, set()).add(pk)
    coded = Declaration.objects.visible_to(user).filter(
        code__in=set(keys.values()), person__in=people
    )
    for code, person_id in coded.values_list("code", "person_id"):
        by_code.setdefault(code, set()).add(person_id)
    chosen, unmatched, ambiguous = [], [], []
    for line in lines:
        key = keys[line]
        matches = by_id.get(key) or by_code.get(key) or by_phone.get(phones[line]) or set()
        if not matches:
            unmatched.append(line)
        elif len(matches) > 1:
            ambiguous.append(line)
        else:
            chosen.extend(matches)
    found = people.filter(pk__in=chosen).select_related("area")
    return list(found), unmatched, ambiguous


def _picked(request, data):
    """People ticked on the page (or on the list), inside the jurisdiction."""
    ids = [v for v in data.getlist("person") if v.isdigit()][:MAX_BATCH]
    if not ids:
        return []
    return list(Person.objects.visible_to(request.user).filter(pk__in=ids).select_related("area"))


def _merge(*groups):
    seen, out = set(), []
    for group in groups:
        for person in group:
            if person.pk not in seen:
                seen.add(person.pk)
                out.append(person)
    return out


@require_http_methods(["GET", "POST"])
@task_required(*ENTRY_TASKS)
def batch(request):
    initial = row_initial(request.user, _sticky(request))
    if request.method == "GET":
        form = BatchForm(initial=initial)
        return _render_batch(request, form, _picked(request, request.GET))

    picked = _picked(request, request.POST)
    found, unmatched, ambiguous = resolve_lines(request.user, request.POST.get("lines"))
    people = _merge(picked, found)
    if request.POST.get("action") == "find":
        # Move the lines that matched into the ticked list; keep the others.
        values = {name: request.POST.get(name, "") for name in BatchForm.base_fields}
        values["lines"] = "\n".join(unmatched + ambiguous)
        form = BatchForm(initial=values)
        return _render_batch(request, form, people, unmatched, ambiguous)

    form = BatchForm(request.POST, initial=initial)
    if form.is_valid():
        if unmatched or ambiguous:
            form.add_error("lines", _("Correct or remove the lines listed above."))
        elif not people:
            form.add_error(None, _("Tick at least one person, or paste their ID numbers."))
        elif len(people) > MAX_BATCH:
            form.add_error(None, _("At most %(max)d people in one batch.") % {"max": MAX_BATCH})
    if form.is_valid():
        row = form.row()
        try:
            services.add_batch(request.user, people, row)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            _remember(request, row)
            messages.success(
                request,
                ngettext(
                    "Group %(code)s: %(type)s saved for %(count)d person.",
                    "Group %(code)s: %(type)s saved for %(count)d people.",
                    len(people),
                )
                % {
                    "code": row["batch_code"],
                    "type": TestType(row["test_type"]).label,
                    "count": len(people),
                },
            )
            return redirect(reverse("testing:list") + "?tab=" + TESTED)
    return _render_batch(request, form, people, unmatched, ambiguous)


def _render_batch(request, form, people, unmatched=(), ambiguous=()):
    return render(
        request,
        "testing/batch.html",
        {
            "form": form,
            "people": people,
            "unmatched": unmatched,
            "ambiguous": ambiguous,
            "sampling_units": _sampling_units(request.user),
            "max_batch": MAX_BATCH,
        },
    )


# The lab's result sheet -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@task_required(*IMPORT_TASKS)
def lab_import(request):
    result = None
    if request.method == "POST":
        form = LabSheetForm(request.POST, request.FILES)
        if form.is_valid():
            result = imports.import_lab_sheet(form.cleaned_data["file"], request.user)
    else:
        form = LabSheetForm()
    return render(
        request,
        "testing/import.html",
        {
            "form": form,
            "result": result,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.MAX_BYTES // (1024 * 1024),
        },
    )


@require_GET
@task_required(*IMPORT_TASKS)
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{imports.TEMPLATE_NAME}"'
    return response


# Statistics ---------------------------------------------------------------------------------


def _by_outcome():
    return {
        "total": Count("pk"),
        **{o.value: Count("pk", filter=Q(result=o.value)) for o in TestOutcome},
    }


@require_GET
@task_required(*VIEW_TASKS)
def stats(request):
    """R-T3: checkpoint rapid tests and screening tests are the same rows; the
    checkpoint filter narrows to the rows entered with a checkpoint."""
    form = StatsFilterForm(request.GET)
    scoped = TestResult.objects.visible_to(request.user)
    context = {"form": form, "outcomes": TestOutcome.choices}
    if form.is_valid():
        data = form.cleaned_data
        results = scoped.filter(sample_date__gte=data["start"], sample_date__lte=data["end"])
        if data.get("checkpoint_only"):
            results = results.exclude(checkpoint="")
        results = results.order_by()
        context.update(
            start=data["start"],
            end=data["end"],
            totals=results.aggregate(**_by_outcome()),
            by_day=_by_day(results, data["start"], data["end"]),
            by_commune=_by_commune(results),
            by_type=_by_type(results),
            by_checkpoint=list(
                results.exclude(checkpoint="")
                .values("checkpoint")
                .annotate(**_by_outcome())
                .order_by("-total", "checkpoint")[:50]
            ),
        )
    return render(request, "testing/stats.html", context)


def _by_day(results, start, end):
    counts = {
        row["sample_date"]: row for row in results.values("sample_date").annotate(**_by_outcome())
    }
    top = max((row["total"] for row in counts.values()), default=0)
    days = []
    day = end
    while day >= start:
        row = counts.get(day, {})
        days.append((day, row.get("total", 0), row.get(TestOutcome.POSITIVE, 0)))
        day -= datetime.timedelta(days=1)
    return {"days": days, "top": top}


def _by_commune(results):
    """Rows grouped by area path in SQL, then folded into their communes (a
    person may live in a village: its counts go to the village's commune)."""
    rows = list(results.values("area_path").annotate(**_by_outcome()))
    units = {
        u.path: u
        for u in AdminUnit.objects.active_tree()
        .filter(path__in=[r["area_path"] for r in rows])
        .select_related("parent")
    }
    keys = ("total", *TestOutcome.values)
    communes = {}
    for row in rows:
        unit = units.get(row["area_path"])
        if unit is not None and unit.level == Level.VILLAGE:
            unit = unit.parent
        key = unit.path if unit else ""
        entry = communes.setdefault(
            key, {"name": unit.name if unit else _("Unknown area"), **dict.fromkeys(keys, 0)}
        )
        for name in keys:
            entry[name] += row[name]
    return [communes[key] for key in sorted(communes)]


def _by_type(results):
    counts = {
        (row["test_type"], row["result"]): row["n"]
        for row in results.values("test_type", "result").annotate(n=Count("pk"))
    }
    table = []
    for value, label in TestType.choices:
        cells = [counts.get((value, outcome), 0) for outcome in TestOutcome.values]
        table.append((label, cells, sum(cells)))
    return table
