"""The case screens ("Truy vết dịch bệnh", R-E1, R-E4): the list, the case
form (search-first person, the sources picker), one case with its actions
(confirm as F0, send to a facility, delete), and "open F0 case" from a
positive test. Every write goes through vigil.investigation.services (and
entry.create_with_person for a new person)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.audit.services import Action, log
from vigil.core.paging import CappedPaginator, SortChoice, load_page
from vigil.core.permissions import (
    CONFIRM_CASE,
    DELETE_CASE,
    EDIT_CASES,
    READ_CASES,
    SEE_IDENTITY,
    may,
    requires,
)
from vigil.core.scope import get_for_user
from vigil.people.models import Person
from vigil.people.services import search_people
from vigil.testing.models import TestResult

from .. import services
from ..entry import create_with_person
from ..filters import CaseFilterForm, keyword_q, with_tests
from ..forms import CaseForm, ConfirmForm, PersonSearchForm, SendForm, VersionForm
from ..models import Case, CaseKind

PAGE_SIZE = 50
PICKER_SIZE = 20


def add_errors(form, exc):
    """A service's ValidationError onto the form: next to its field when the
    form has one, else at the top."""
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def case_for(request, case_id):
    return get_for_user(
        Case.objects.select_related(
            "person__area__parent", "residence__parent", "detection__parent", "facility", "outbreak"
        ),
        request.user,
        pk=case_id,
    )


# The list ----------------------------------------------------------------------


# Newest record first on the index of (area_path, created_at); by name within
# the count cap.
CASE_SORTS = (
    SortChoice("newest", _lazy("Newest first"), ("-created_at", "-id")),
    SortChoice("oldest", _lazy("Oldest first"), ("created_at", "id")),
    SortChoice("name", _lazy("Full name"), ("person__search_key", "id"), bounded=True),
)


@require_GET
@requires(READ_CASES)
def case_list(request):
    user = request.user
    form = CaseFilterForm(request.GET, user=user)
    filtered = form.filter_qs(Case.objects.visible_to(user))
    sort = SortChoice.pick(CASE_SORTS, request.GET.get("sort"))
    paginator = CappedPaginator(None, PAGE_SIZE, count_qs=filtered)
    # By name no index serves a jurisdiction: offered within the count cap.
    sort_refused = sort.bounded and paginator.capped_now()
    if sort_refused:
        sort = CASE_SORTS[0]
    paginator.object_list = filtered.order_by(*sort.order).values_list("pk", flat=True)
    page = paginator.get_page(request.GET.get("page"))
    # The page's rows with select_related and one subquery for the tests.
    load_page(
        page,
        lambda pks: with_tests(
            Case.objects.filter(pk__in=pks).select_related("person", "residence__parent__parent"),
            user,
        ),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "investigation/case_list.html",
        {
            "form": form,
            "page": page,
            "total": paginator.count,
            "capped": paginator.capped,
            "suffix": f"?{query.urlencode()}" if query else "",
            "see_identity": may(user, SEE_IDENTITY),
            "may_edit": may(user, EDIT_CASES),
            "may_delete": may(user, DELETE_CASE),
            "sort": sort,
            "sorts": CASE_SORTS,
            "sort_refused": sort_refused,
            "count_cap": settings.VIGIL_LIST_COUNT_CAP,
        },
    )


# The case form -------------------------------------------------------------------


def _picked_person(request, form):
    """The chosen person (visible), or None for a new one."""
    pk = form.data.get("person") if form.is_bound else form.initial.get("person")
    if not pk:
        return None
    try:
        return Person.objects.visible_to(request.user).select_related("area").get(pk=pk)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _chosen_sources(request, form, case=None):
    """Source rows shown checked: what the form sent, else the case's links."""
    if form.is_bound:
        ids = [int(v) for v in form.data.getlist("source") if str(v).isdigit()]
        found = Case.objects.visible_to(request.user).select_related("person").in_bulk(ids)
        return [(found[i], form.data.get(f"contact_date_{i}", "")) for i in ids if i in found]
    if case is None:
        return []
    links = case.source_links.select_related("source__person")
    visible = set(
        Case.objects.visible_to(request.user)
        .values_list("pk", flat=True)
        .filter(pk__in=[link.source_id for link in links])
    )
    return [
        (link.source, link.contact_date.strftime("%d/%m/%Y") if link.contact_date else "")
        for link in links
        if link.source_id in visible
    ]


def _render_form(request, form, case=None, person=None, template="investigation/case_form.html"):
    search = PersonSearchForm(request.GET)
    matches = []
    if case is None and person is None and search.is_valid() and search.cleaned_data["person_q"]:
        people = Person.objects.visible_to(request.user).select_related("area")
        matches = search_people(people, search.cleaned_data["person_q"], limit=20)
        for match in matches:
            match.has_case = Case.objects.filter(person=match.person).exists()
    return render(
        request,
        template,
        {
            "form": form,
            "case": case,
            "person": person,
            "search": search,
            "matches": matches,
            "sources": _chosen_sources(request, form, case),
            "see_identity": may(request.user, SEE_IDENTITY),
        },
    )


@require_http_methods(["GET", "POST"])
@requires(EDIT_CASES)
def case_new(request):
    user = request.user
    if request.method != "POST":
        initial = {"kind": request.GET.get("kind") or CaseKind.CONTACT}
        pk = request.GET.get("person")
        if pk and pk.isdigit():
            initial["person"] = int(pk)
        form = CaseForm(initial=initial, user=user)
        person = _picked_person(request, form)
        if person is not None:
            form.initial.setdefault("residence", person.area)
        return _render_form(request, form, person=person)
    form = CaseForm(request.POST, user=user)
    person = _picked_person(request, form)
    if form.is_valid():
        try:
            case = create_with_person(
                user,
                person=person,
                new_person=form.person_values(),
                kind=form.cleaned_data["kind"],
                fields=form.case_fields(),
                sources=form.sources,
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Case record %(case)s saved.") % {"case": case})
            return redirect("investigation:case", case_id=case.pk)
    return _render_form(request, form, person=person)


@require_http_methods(["GET", "POST"])
@requires(EDIT_CASES)
def case_edit(request, case_id):
    user = request.user
    case = case_for(request, case_id)
    if request.method != "POST":
        form = CaseForm(initial=CaseForm.initial_for(case), user=user, case=case)
        return _render_form(request, form, case=case, person=case.person)
    form = CaseForm(request.POST, user=user, case=case)
    if form.is_valid():
        try:
            case = services.update_case(
                case,
                actor=user,
                version=form.cleaned_data["version"],
                fields=form.case_fields(),
                sources=form.sources if case.kind == CaseKind.CONTACT else None,
            )
        except services.StaleCase as exc:
            form.add_error(None, services.stale_message(exc.current))
            form.data = form.data.copy()
            form.data["version"] = exc.current.version
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Case record %(case)s saved.") % {"case": case})
            return redirect("investigation:case", case_id=case.pk)
    return _render_form(request, form, case=case, person=case.person)


@require_GET
@requires(EDIT_CASES)
def source_picker(request):
    """The picker's rows (htmx): visible case records matching `q`, newest
    first, without the record being edited."""
    cases = Case.objects.visible_to(request.user).select_related("person")
    text = (request.GET.get("q") or "").strip()
    if text:
        cases = cases.filter(keyword_q(text))
    exclude = request.GET.get("exclude") or ""
    if exclude.isdigit():
        cases = cases.exclude(pk=int(exclude))
    chosen = [int(v) for v in request.GET.getlist("chosen") if str(v).isdigit()]
    if chosen:
        cases = cases.exclude(pk__in=chosen)
    rows = list(cases.order_by("level", "-created_at", "-id")[:PICKER_SIZE])
    return render(request, "investigation/case_picker_rows.html", {"rows": rows})


# One case ----------------------------------------------------------------------


def _render_case(request, case, **bound):
    user = request.user
    visible = Case.objects.visible_to(user)
    sources = list(case.source_links.select_related("source__person"))
    seen = set(visible.filter(pk__in=[s.source_id for s in sources]).values_list("pk", flat=True))
    contacts = list(
        case.contact_links.filter(contact__in=visible).select_related("contact__person")
    )
    hidden_contacts = case.contact_links.count() - len(contacts)
    tests = list(
        TestResult.objects.visible_to(user)
        .filter(person=case.person)
        .order_by("-sample_date", "-id")[:20]
    )
    forms = {
        "confirm_form": ConfirmForm(
            prefix="confirm",
            initial={"version": case.version, "code": case.code, "confirmed_on": None},
        ),
        "send_form": SendForm(
            prefix="send",
            user=user,
            initial={"version": case.version, "facility": case.facility_id},
        ),
        "delete_form": VersionForm(prefix="delete", initial={"version": case.version}),
    }
    forms.update(bound)
    return render(
        request,
        "investigation/case_detail.html",
        {
            "case": case,
            "sources": [(link, link.source_id in seen) for link in sources],
            "contacts": contacts,
            "hidden_contacts": hidden_contacts,
            "events": list(case.events.select_related("actor")),
            "tests": tests,
            "see_identity": may(user, SEE_IDENTITY),
            "may_edit": may(user, EDIT_CASES),
            "may_confirm": may(user, CONFIRM_CASE) and case.kind == CaseKind.CONTACT,
            "may_delete": may(user, DELETE_CASE),
            **forms,
        },
    )


@require_GET
@requires(READ_CASES)
def case_detail(request, case_id):
    case = case_for(request, case_id)
    log(request, Action.VIEW, case)
    return _render_case(request, case)


@require_POST
@requires(CONFIRM_CASE)
def case_confirm(request, case_id):
    case = case_for(request, case_id)
    form = ConfirmForm(request.POST, prefix="confirm")
    if form.is_valid():
        try:
            case = services.confirm_case(
                case,
                actor=request.user,
                version=form.cleaned_data["version"],
                code=form.cleaned_data["code"],
                confirmed_on=form.cleaned_data["confirmed_on"],
                classification=form.cleaned_data["classification"],
                note=form.cleaned_data["note"],
            )
        except services.StaleCase as exc:
            messages.error(request, services.stale_message(exc.current))
            return redirect("investigation:case", case_id=case.pk)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            moved = len(getattr(case, "moved", None) or ())
            messages.success(
                request,
                _("%(case)s is now a confirmed case; %(n)s records below it moved up.")
                % {"case": case, "n": moved},
            )
            return redirect("investigation:case", case_id=case.pk)
    return _render_case(request, case, confirm_form=form)


@require_POST
@requires(EDIT_CASES)
def case_send(request, case_id):
    case = case_for(request, case_id)
    form = SendForm(request.POST, prefix="send", user=request.user)
    if form.is_valid():
        try:
            case = services.send_to_facility(
                case,
                actor=request.user,
                version=form.cleaned_data["version"],
                facility=form.cleaned_data["facility"],
            )
        except services.StaleCase as exc:
            messages.error(request, services.stale_message(exc.current))
            return redirect("investigation:case", case_id=case.pk)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _('%(person)s is on the "to take in" list of %(facility)s.')
                % {"person": case.person, "facility": case.facility},
            )
            if request.POST.get("next"):
                return redirect(_safe_next(request))
            return redirect("investigation:case", case_id=case.pk)
    return _render_case(request, case, send_form=form)


def _safe_next(request):
    target = request.POST.get("next") or ""
    if target.startswith("/") and not target.startswith("//"):
        return target
    return "investigation:cases"


@require_POST
@requires(DELETE_CASE)
def case_delete(request, case_id):
    case = case_for(request, case_id)
    form = VersionForm(request.POST, prefix="delete")
    if not form.is_valid():
        messages.error(request, _("The form was incomplete: nothing was deleted."))
        return redirect("investigation:case", case_id=case.pk)
    try:
        services.delete_case(case, actor=request.user, version=form.cleaned_data["version"])
    except services.StaleCase as exc:
        messages.error(request, services.stale_message(exc.current))
        return redirect("investigation:case", case_id=case.pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("investigation:case", case_id=case.pk)
    messages.success(request, _("Case record %(case)s deleted.") % {"case": case})
    return redirect("investigation:cases")


# From a positive test --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires(CONFIRM_CASE)
def open_case(request, person_id):
    user = request.user
    person = get_for_user(Person.objects.select_related("area__parent"), user, pk=person_id)
    existing = Case.objects.filter(person=person).first()
    if existing is not None and existing.kind == CaseKind.CONFIRMED:
        messages.info(request, _("%(person)s is already a confirmed case.") % {"person": person})
        if Case.objects.visible_to(user).filter(pk=existing.pk).exists():
            return redirect("investigation:case", case_id=existing.pk)
        return redirect("testing:positive")
    if request.method != "POST":
        initial = CaseForm.initial_from_values(services.prefill_from_person(user, person))
        initial.update(kind=CaseKind.CONFIRMED, person=person.pk)
        form = CaseForm(initial=initial, user=user)
        return _render_open(request, form, person, existing)
    data = request.POST.copy()
    data["kind"] = CaseKind.CONFIRMED
    data["person"] = str(person.pk)
    form = CaseForm(data, user=user)
    if form.is_valid():
        try:
            case = services.open_case_from_positive(user, person, fields=form.case_fields())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("F0 case %(code)s opened.") % {"code": case.code})
            return redirect("investigation:case", case_id=case.pk)
    return _render_open(request, form, person, existing)


def _render_open(request, form, person, existing):
    return render(
        request,
        "investigation/open_case.html",
        {
            "form": form,
            "person": person,
            "existing": existing,
            "see_identity": may(request.user, SEE_IDENTITY),
        },
    )
