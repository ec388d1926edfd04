"""The lists "Đang cách ly" / "Hết cách ly" and one stay with the actions on
it: move, extend, end ("HCL"), delete when entered by mistake."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.core.paging import CappedPaginator, load_page
from vigil.core.permissions import READ_QUARANTINE, TAKE_IN, may, requires
from vigil.core.scope import get_for_user
from vigil.people.models import Person
from vigil.testing.models import TestOutcome, TestResult

from .. import services
from ..forms import (
    DeleteForm,
    EndForm,
    ExtendForm,
    MoveForm,
    StayFilterForm,
)
from ..models import Outcome, Stay
from .shared import PAGE_SIZE, _add_errors, _stale

# The lists -------------------------------------------------------------------


@require_GET
@requires(READ_QUARANTINE)
def stay_list(request, ended=False):
    form = StayFilterForm(request.GET, user=request.user)
    scoped = Stay.objects.visible_to(request.user)
    stays = form.filter_qs(scoped.ended() if ended else scoped.open())
    ids = stays.order_by("-end_date" if ended else "-start_date", "-id").values_list(
        "pk", flat=True
    )
    paginator = CappedPaginator(ids, PAGE_SIZE, count_qs=stays)
    page = load_page(
        paginator.get_page(request.GET.get("page")),
        lambda pks: (
            Stay.objects.filter(pk__in=pks)
            .select_related("person", "facility", "bed__room__building")
            .with_tests(request.user)
        ),
    )
    labels = dict(TestOutcome.choices)
    for stay in page:
        stay.latest_result_label = labels.get(stay.latest_result, "")
        if not ended:
            stay.remaining = stay.days_remaining
            stay.overdue = max(-stay.remaining, 0)
    query = request.GET.copy()
    query.pop("page", None)
    suffix = f"?{query.urlencode()}" if query else ""
    return render(
        request,
        "quarantine/list.html",
        {
            "form": form,
            "page": page,
            "total": paginator.count,
            "capped": paginator.capped,
            "ended": ended,
            "suffix": suffix,
            "may_take_in": may(request.user, TAKE_IN),
        },
    )


# One stay -----------------------------------------------------------------------


def _stay_for(request, stay_id):
    return get_for_user(
        Stay.objects.select_related(
            "person__area", "facility", "bed__room__building", "declaration", "created_by"
        ),
        request.user,
        pk=stay_id,
    )


def _stay_forms(request, stay, **bound):
    user = request.user
    forms = {
        "move_form": MoveForm(
            prefix="move",
            user=user,
            initial={"facility": stay.facility_id, "version": stay.version},
        ),
        "extend_form": ExtendForm(
            prefix="extend",
            initial={
                "planned_end": stay.planned_end + datetime.timedelta(days=7),
                "version": stay.version,
            },
        ),
        "end_form": EndForm(
            prefix="end",
            initial={
                "end_date": timezone.localdate(),
                "outcome": Outcome.COMPLETED,
                "version": stay.version,
            },
        ),
        "delete_form": DeleteForm(prefix="delete"),
    }
    forms.update(bound)
    return forms


def _render_stay(request, stay, action="", **bound):
    tests = list(
        TestResult.objects.visible_to(request.user)
        .filter(person=stay.person)
        .order_by("-sample_date", "-id")[:10]
    )
    answers = [label for key, label in _answer_labels() if stay.intake_answers.get(key)]
    events = list(stay.events.select_related("actor"))
    context = {
        "stay": stay,
        "tests": tests,
        "answers": answers,
        "answered": bool(stay.intake_answers),
        "events": events,
        "end_warnings": (
            []
            if stay.end_date
            else services.end_warnings(stay, timezone.localdate(), Outcome.COMPLETED)
        ),
        # The person's own page may be out of reach (they live in another district).
        "person_visible": Person.objects.visible_to(request.user)
        .filter(pk=stay.person_id)
        .exists(),
        "action": action,
        "may_act": may(request.user, TAKE_IN),
        **_stay_forms(request, stay, **bound),
    }
    return render(request, "quarantine/stay.html", context)


def _answer_labels():
    from vigil.declarations import questions

    return questions.EXPOSURES + questions.SYMPTOMS


@require_GET
@requires(READ_QUARANTINE)
def stay_detail(request, stay_id):
    return _render_stay(request, _stay_for(request, stay_id))


def _after(request, stay, message):
    messages.success(request, message)
    if Stay.objects.visible_to(request.user).filter(pk=stay.pk).exists():
        return redirect("quarantine:stay", stay.pk)
    return redirect("quarantine:list")


def _stay_action(request, stay_id, *, action, form_class, save, done, **form_kwargs):
    """A stay's action posted from its page: the form, then the service, then
    back to the stay; on an error the page again, with the form and its errors
    (a stale version says who changed the stay meanwhile)."""
    stay = _stay_for(request, stay_id)
    form = form_class(request.POST, prefix=action, **form_kwargs)
    if form.is_valid():
        try:
            save(stay, form.cleaned_data)
        except services.StaleStay as exc:
            _stale(form, stay, exc.current)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _after(request, stay, done)
    return _render_stay(request, stay, action=action, **{f"{action}_form": form})


@require_POST
@requires(TAKE_IN)
def stay_move(request, stay_id):
    def save(stay, data):
        services.move(
            request.user,
            stay,
            version=data["version"],
            facility=data["facility"],
            bed=data.get("bed"),
        )

    return _stay_action(
        request,
        stay_id,
        action="move",
        form_class=MoveForm,
        save=save,
        done=_("The stay was moved."),
        user=request.user,
    )


@require_POST
@requires(TAKE_IN)
def stay_extend(request, stay_id):
    def save(stay, data):
        services.extend(
            request.user,
            stay,
            version=data["version"],
            planned_end=data["planned_end"],
            reason=data["reason"],
        )

    return _stay_action(
        request,
        stay_id,
        action="extend",
        form_class=ExtendForm,
        save=save,
        done=_("The stay was extended."),
    )


@require_POST
@requires(TAKE_IN)
def stay_end(request, stay_id):
    def save(stay, data):
        services.end_stay(
            request.user,
            stay,
            version=data["version"],
            end_date=data["end_date"],
            outcome=data["outcome"],
            note=data["note"],
            reason=data["reason"],
            confirmed=data["confirm"],
        )

    return _stay_action(
        request,
        stay_id,
        action="end",
        form_class=EndForm,
        save=save,
        done=_("The stay has ended; the bed is free."),
    )


@require_POST
@requires(TAKE_IN)
def stay_delete(request, stay_id):
    stay = _stay_for(request, stay_id)
    form = DeleteForm(request.POST, prefix="delete")
    if form.is_valid():
        try:
            services.delete_entered_by_mistake(
                request.user, stay, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The stay was deleted."))
            return redirect("quarantine:list")
    return _render_stay(request, stay, action="delete", delete_form=form)
