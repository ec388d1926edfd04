"""Verification of arrivals at the home commune (R-V1..R-V5, §II.4.2.2, Fig 7).

- The queues: online declarations not yet verified ("Xác minh người về từ địa
  phương"), students returning to study, medical visits, and the failed
  verifications for the competent authority; oldest first, filtered, paged.
- The verify page: the declaration in the shared form so that staff correct
  it, then one outcome: returned (with a surveillance type), could not verify
  (with a reason) or transfer to another commune.
- Approvals of registrations to return ("Duyệt đăng ký về địa phương") are
  in views/approvals.py: they decide on a Registration, not a declaration.

Declarations are read only through `Declaration.objects.visible_to` /
`get_for_user`, and changed only through vigil.declarations.services and
vigil.verification.services, which check the version so that two people
working on one record never silently overwrite each other.
"""

from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from vigil.areas import refdata
from vigil.areas.models import Level
from vigil.audit.services import Action, log, stale_message
from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.paging import SortChoice, load_page
from vigil.core.permissions import SEE_IDENTITY, VERIFY, VERIFY_STUDENTS, may, requires
from vigil.core.scope import get_for_user
from vigil.declarations import services as declaration_services
from vigil.declarations.forms import DeclarationForm
from vigil.declarations.models import (
    Channel,
    Declaration,
    DeclarationEvent,
    RegistrationKind,
    RiskColour,
    VerificationState,
)
from vigil.declarations.services import StaleDeclaration
from vigil.declarations.transitions import ALREADY_DONE, TransitionRefused

from .. import registrations, services
from ..forms import Outcome, OutcomeForm, QueueFilterForm
from ..queues import (
    QUEUES,
    QueuePaginator,
    for_user,
    keyword_counts,
    keyword_ids,
    keyword_rows,
    tab_counts,
)

PAGE_SIZE = 50
# A queue is read oldest first (nobody waits at the bottom); newest first
# reads the same partial indexes backwards.
QUEUE_SORTS = (
    SortChoice("oldest", gettext_lazy("Oldest first"), ("created_at", "id")),
    SortChoice("newest", gettext_lazy("Newest first"), ("-created_at", "-id")),
)


def declaration_queryset():
    return Declaration.objects.select_related(
        "person",
        "area",
        "village",
        "departure_country",
        "departure_unit",
        "transferred_from",
        "created_by",
    )


# The queues -------------------------------------------------------------------


class QueueRow(dict):
    """One line of a queue page, its texts computed once (a dict: the
    template reads each without attribute look-ups)."""

    @property
    def pk(self):
        return self["pk"]

    @property
    def person(self):
        """The name as `declaration.person.full_name` (what lists' callers read)."""
        return SimpleNamespace(full_name=self["full_name"])


_ROW_FIELDS = (
    "pk",
    "code",
    "amended_after_decision",
    "arrival_date",
    "registration_kind",
    "student_code",
    "school",
    "channel",
    "risk_colour",
    "created_at",
    "person__full_name",
    "person__id_number",
    "person__phone",
    "area__name",
    "area__level",
    "area__parent__name",
    "area__parent__level",
    "area__parent__parent_id",
    "transferred_from__name",
)


def _district(area_level, parent_name, parent_level, grandparent_id):
    """places.district_of for a row's commune (or village): the district above it."""
    if area_level not in (Level.COMMUNE, Level.VILLAGE) or parent_level is None:
        return ""
    if parent_level == Level.COMMUNE:
        parent = refdata.units().get(grandparent_id)
        if parent is None:
            return ""
        parent_name, parent_level = parent.name, parent.level
    return parent_name if parent_level == Level.DISTRICT else ""


def _url_prefix(name):
    """The URL of `name` for any declaration: prefix + id + suffix (reverse()
    once per page, not per row)."""
    prefix, suffix = reverse(name, args=[987654321]).split("987654321")
    return lambda pk: f"{prefix}{pk}{suffix}"


def _page_rows(queue, pks):
    """The page's declarations with what the queue shows (only these rows are
    joined and annotated; the page is chosen on the bare filtered table): the
    columns the table shows, no model instance, each text formatted once."""
    rows = Declaration.objects.filter(pk__in=pks)
    fields = _ROW_FIELDS
    if queue == "failed":
        # The reason given by whoever could not verify, for the competent authority.
        rows = rows.annotate(
            failed_reason=Subquery(
                DeclarationEvent.objects.filter(declaration=OuterRef("pk"), action="verify_failed")
                .order_by("-at", "-id")
                .values("note")[:1]
            )
        )
        fields = (*fields, "failed_reason")
    detail, verify = _url_prefix("declarations:detail"), _url_prefix("verification:verify")
    kinds = {value: str(label) for value, label in RegistrationKind.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    colours = {value: str(label) for value, label in RiskColour.choices}
    transferred = _("Transferred from %(area)s")
    zone = timezone.get_current_timezone()
    for values in rows.values_list(*fields):
        d = dict(zip(fields, values, strict=True))
        pk, created, arrival = d["pk"], d["created_at"], d["arrival_date"]
        source = d["transferred_from__name"]
        yield QueueRow(
            pk=pk,
            code=d["code"],
            detail_url=detail(pk),
            verify_url=verify(pk),
            amended=d["amended_after_decision"],
            full_name=d["person__full_name"],
            id_number=mask_id_number(d["person__id_number"]),
            phone=mask_phone(d["person__phone"]),
            area=d["area__name"],
            district=_district(
                d["area__level"],
                d["area__parent__name"],
                d["area__parent__level"],
                d["area__parent__parent_id"],
            ),
            transferred_from=transferred % {"area": source} if source is not None else "",
            arrival_date=arrival.strftime("%d/%m/%Y") if arrival else "",
            kind=kinds.get(d["registration_kind"], d["registration_kind"]),
            student_code=d["student_code"],
            school=d["school"],
            channel=channels.get(d["channel"], d["channel"]),
            colour=d["risk_colour"],
            colour_label=colours.get(d["risk_colour"], d["risk_colour"]),
            created_at=created.astimezone(zone).strftime("%d/%m/%Y %H:%M") if created else "",
            failed_reason=d.get("failed_reason") or "",
        )


def _tabs(request, current, counts):
    """(key, title, url, count, capped, active) per queue. A tab's link keeps
    the filters, and its count is of the same filtered queue: exact up to
    settings.VIGIL_LIST_COUNT_CAP, "10.000+" beyond."""
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return [
        (key, title, reverse(url_name) + suffix, *counts[key], key == current)
        for key, (title, _c, url_name) in QUEUES.items()
    ]


@require_GET
@requires(VERIFY)
def queue(request, queue="pending"):
    """A verification queue: oldest first, so that nobody waits at the bottom."""
    return _queue(request, queue)


@require_GET
@requires(VERIFY_STUDENTS)
def students(request):
    """Students returning to study: a school's account sees its own students."""
    return _queue(request, "students")


def _queue(request, queue):
    title, _condition, _url = QUEUES[queue]
    form = QueueFilterForm(request.GET, user=request.user)
    scoped = for_user(Declaration.objects.visible_to(request.user), request.user)
    sort = SortChoice.pick(QUEUE_SORTS, request.GET.get("sort"))
    rows = keyword_rows(scoped, form) if form.is_valid() and form.cleaned_data["q"] else None
    if rows is not None:
        # A keyword: its few declarations read once, for every tab and the page.
        counts = keyword_counts(form, rows)
        ids = keyword_ids(rows, queue, sort.order)
    else:
        filtered = {key: form.filter_qs(scoped.verification_queue(key)) for key in QUEUES}
        counts = tab_counts(form, filtered)
        ids = filtered[queue].order_by(*sort.order).values_list("pk", flat=True)
    paginator = QueuePaginator(ids, PAGE_SIZE, counted=counts[queue])
    page = load_page(
        paginator.get_page(request.GET.get("page")), lambda pks: _page_rows(queue, pks)
    )
    return render(
        request,
        "verification/queue.html",
        {
            "title": title,
            "queue": queue,
            "form": form,
            "page": page,
            "total": paginator.count,
            "capped": paginator.capped,
            "tabs": _tabs(request, queue, counts),
            "approvals_count": registrations.pending_count(request.user),
            "may_verify": queue not in ("failed", "amended"),
            "sort": sort,
            "sorts": QUEUE_SORTS,
        },
    )


# The verify page ----------------------------------------------------------------


def _correction_form(request, declaration, data=None):
    """The shared declaration form filled from the record, or None for an account
    that may not see whole ID numbers and phones (it records the outcome only)."""
    if not may(request.user, SEE_IDENTITY):
        return None
    form = DeclarationForm(data, initial=DeclarationForm.initial_from(declaration=declaration))
    # One version for the whole page: the outcome form's.
    del form.fields["version"]
    # Moving to another commune is a transfer, recorded as such, not an edit.
    area = form.fields["area"]
    area.disabled = True
    area.help_text = _("To move the declaration to another commune, choose “Transfer” below.")
    return form


def _render_verify(request, declaration, correction, outcome, *, stale=None):
    return render(
        request,
        "verification/verify.html",
        {
            "declaration": declaration,
            "person": declaration.person,
            "form": correction,
            "outcome_form": outcome,
            "is_pending": declaration.verification_state == VerificationState.PENDING,
            "show_identity": may(request.user, SEE_IDENTITY),
            "stale": stale,
            "events": declaration.events.select_related("actor", "from_area", "to_area"),
        },
    )


def _apply_outcome(declaration, data, *, actor, version):
    outcome = data["outcome"]
    note = data.get("reason") or ""
    if outcome == Outcome.RETURNED:
        return services.verify_returned(
            declaration,
            actor=actor,
            version=version,
            surveillance=data.get("surveillance") or "",
            start=data.get("surveillance_start"),
            end=data.get("surveillance_end"),
            note=note,
            override_reason=data.get("override_reason") or "",
        )
    if outcome == Outcome.FAILED:
        return services.verify_failed(declaration, actor=actor, version=version, reason=note)
    return services.transfer(
        declaration,
        actor=actor,
        version=version,
        target=data.get("target"),
        note=data.get("transfer_reason") or "",
    )


SUCCESS = {
    Outcome.RETURNED: gettext_lazy("%(name)s: verified as returned to the locality."),
    Outcome.FAILED: gettext_lazy("%(name)s: recorded as could not verify."),
    Outcome.TRANSFER: gettext_lazy("%(name)s: transferred to %(area)s."),
}


@require_http_methods(["GET", "POST"])
@requires(VERIFY_STUDENTS)
def verify(request, declaration_id):
    declaration = get_for_user(
        for_user(declaration_queryset(), request.user), request.user, pk=declaration_id
    )
    if request.method != "POST":
        log(
            request,
            Action.VIEW,
            declaration,
            detail={"verify": True, "identity_shown": may(request.user, SEE_IDENTITY)},
        )
        if declaration.verification_state != VerificationState.PENDING:
            return _render_verify(request, declaration, None, None)
        return _render_verify(
            request,
            declaration,
            _correction_form(request, declaration),
            OutcomeForm(initial={"version": declaration.version}, declaration=declaration),
        )

    if declaration.verification_state != VerificationState.PENDING:
        messages.error(request, ALREADY_DONE)
        return redirect("declarations:detail", declaration_id=declaration.pk)

    # "save": corrections only, the record stays in the queue; otherwise an outcome.
    save_only = request.POST.get("action") == "save"
    correction = _correction_form(request, declaration, request.POST)
    outcome = OutcomeForm(request.POST, declaration=declaration, require_outcome=not save_only)
    changed = correction is not None and correction.has_changed()
    if not (outcome.is_valid() and (not changed or correction.is_valid())):
        return _render_verify(request, declaration, correction, outcome)

    try:
        current, done = _save_verification(request, declaration, correction, outcome, save_only)
    except StaleDeclaration:
        return _stale(request, declaration)
    except ValidationError as exc:
        outcome.add_service_error(exc)
        return _render_verify(request, declaration, correction, outcome)
    except TransitionRefused as exc:
        outcome.add_error(None, exc.message)
        return _render_verify(request, declaration, correction, outcome)
    if save_only:
        if correction is not None and correction.has_changed():
            messages.success(
                request, _("%(name)s: corrections saved.") % {"name": current.person.full_name}
            )
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("verification:verify", declaration_id=declaration.pk)
    kind = outcome.cleaned_data["outcome"]
    messages.success(
        request, SUCCESS[kind] % {"name": done.person.full_name, "area": done.area.name}
    )
    return redirect("verification:queue")


@transaction.atomic
def _save_verification(request, declaration, correction, outcome, save_only):
    """The corrections, then the outcome, in one transaction: a refused outcome
    also undoes the corrections. (current, the declaration after the outcome)."""
    version = outcome.cleaned_data["version"]
    current = declaration
    if correction is not None and correction.has_changed():
        current = declaration_services.update_declaration(
            declaration,
            correction.identity(),
            correction.declaration_data(),
            version=version,
            actor=request.user,
            request=request,
        )
        version = current.version
    if save_only:
        return current, None
    return current, _apply_outcome(
        current, outcome.cleaned_data, actor=request.user, version=version
    )


def _stale(request, declaration):
    """Someone else saved first: show what they changed and keep what this user
    typed, with the page's version moved to the current one so that a second
    save, after review, goes through."""
    current = (
        for_user(declaration_queryset(), request.user)
        .visible_to(request.user)
        .filter(pk=declaration.pk)
        .first()
    )
    if current is None:
        # Transferred out of this jurisdiction in the meantime: say who did it
        # (the record was in scope when this request began), show nothing more.
        messages.error(request, stale_message(declaration))
        return redirect("verification:queue")
    data = request.POST.copy()
    data["version"] = str(current.version)
    correction = _correction_form(request, current, data)
    outcome = OutcomeForm(data, declaration=current, require_outcome=False)
    outcome.is_valid()  # shows the typed values; no error is added before review
    differences = []
    if correction is not None:
        initial = correction.initial
        for name in correction.changed_data:
            field = correction.fields[name]
            differences.append((field.label, _display(correction, name, initial.get(name))))
    stale = {"message": stale_message(current), "differences": differences}
    if current.verification_state != VerificationState.PENDING:
        correction = outcome = None
    return _render_verify(request, current, correction, outcome, stale=stale)


def _display(form, name, value):
    """The saved value of a correction field, as the page shows it."""
    field = form.fields[name]
    if value in (None, ""):
        return "—"
    choices = getattr(field, "choices", None)
    if choices is not None:
        for key, label in _flat(choices):
            if str(key) == str(value):
                return label
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return value


def _flat(choices):
    for key, label in choices:
        if isinstance(label, (list, tuple)):
            yield from _flat(label)
        else:
            yield key, label
