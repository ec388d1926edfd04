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

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from vigil.core.paging import KeysetPaginator, load_page, pager_links
from vigil.core.permissions import (
    CONFIRM_CASE,
    ENTER_TESTS,
    IMPORT_TESTS,
    READ_TESTS,
    may,
    requires,
)
from vigil.core.scope import get_for_user
from vigil.declarations.filters import JumpForm
from vigil.declarations.models import Declaration
from vigil.people.models import Person
from vigil.people.services import with_name_key

from .. import imports, services
from .. import stats as test_stats
from ..forms import (
    MAX_BATCH,
    BatchForm,
    LabSheetForm,
    PeopleFilterForm,
    ResultRowFormSet,
    StatsFilterForm,
    row_initial,
)
from ..models import TestOutcome, TestResult, TestType
from ..queries import (
    TABS,
    TESTED,
    UNTESTED,
    TestedPaginator,
    attach_declarations,
    count_people,
    filter_people,
    resolve_lines,
    tested_candidates,
    untested_walk,
)

PAGE_SIZE = 50
# "Not tested": by name, as the index of (search_key COLLATE "C", id, area_path).
UNTESTED_ORDER = ("name_key", "id")
# How many rows before a page are counted for its "Rows 51–100": each is a
# person probed in other tables (their results, declarations or stays); a
# deeper page says "Rows after the first 500".
LOCATE_CAP = 500
# What the clerk chose last (sampling unit, test type, checkpoint), kept for
# the next rows.
SESSION_KEY = "testing.row"


@require_GET
@requires(READ_TESTS)
def people_list(request):
    user, params = request.user, request.GET
    tab = TESTED if params.get("tab") == TESTED else UNTESTED
    form = PeopleFilterForm(params, user=user)
    people = filter_people(user, form, tab)
    total, capped = count_people(user, form, tab, people)
    jump = JumpForm(params) if tab == TESTED else None
    if tab == TESTED:
        # Keyset pages of the people's latest results: a cursor or a sample
        # day starts the walk there, whatever the depth.
        keyword = bool(form.is_valid() and form.cleaned_data.get("q"))
        candidates = tested_candidates(user, people, form)
        paginator = TestedPaginator(user, candidates, PAGE_SIZE, materialize=keyword)
        day = jump.day()
        start = Q(sample_date__lte=day) if day else None
    else:
        walk = with_name_key(untested_walk(user, people, form))
        paginator = KeysetPaginator(walk, UNTESTED_ORDER, PAGE_SIZE)
        start = None
    page = paginator.page(after=params.get("after"), before=params.get("before"), start=start)
    paginator.locate(page, total, capped, LOCATE_CAP)
    load_page(page, lambda pks: Person.objects.filter(pk__in=pks))
    attach_declarations(user, page)
    return render(
        request,
        "testing/list.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "capped": capped,
            "tab": tab,
            "tabs": [(key, label, _tab_url(request, key), key == tab) for key, label in TABS],
            "may_enter": may(user, ENTER_TESTS),
            "may_import": may(user, IMPORT_TESTS),
            "pager": pager_links(params, page),
            "jump_form": jump,
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
@requires(READ_TESTS)
def person_tests(request, person_id):
    person = get_for_user(
        Person.objects.select_related("area", "area__parent"), request.user, pk=person_id
    )
    may_enter = may(request.user, ENTER_TESTS)
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
            # "Open F0 case" (the investigation's page, named by URL only).
            "may_open_case": may(request.user, CONFIRM_CASE)
            and results.filter(result=TestOutcome.POSITIVE).exists(),
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
@requires(ENTER_TESTS)
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
@requires(IMPORT_TESTS)
def lab_import(request):
    """The results of an uploaded lab sheet: set here when the sheet is small,
    by the worker (its progress page) when it is large; a refused file is said
    next to the file field."""
    result = None
    if request.method == "POST":
        form = LabSheetForm(request.POST, request.FILES, request=request)
        if form.is_valid():
            result = imports.import_lab_sheet(form.cleaned_data["file"], request.user)
            if result.job is not None:
                return redirect(reverse("jobs:job", args=[result.job.pk]) + "?back=lab_import")
            if result.file_error:
                form.add_error("file", result.file_error)
    else:
        form = LabSheetForm()
    return render(
        request,
        "testing/import.html",
        {
            "form": form,
            "result": result,
            "max_rows": imports.MAX_ROWS,
            "max_mb": imports.sheet_format().limit // (1024 * 1024),
        },
    )


@require_GET
@requires(IMPORT_TESTS)
def import_template(request):
    response = HttpResponse(imports.template_xlsx(), content_type=imports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{imports.TEMPLATE_NAME}"'
    return response


# Statistics ---------------------------------------------------------------------------------


@require_GET
@requires(READ_TESTS)
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
        context.update(
            start=data["start"],
            end=data["end"],
            **test_stats.figures(results, data["start"], data["end"]),
        )
    return render(request, "testing/stats.html", context)
