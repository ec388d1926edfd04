"""Registration to return on the public web (R-V6; mounted under /khai-bao/registrations/).

The phone verified with a one-time code (the session of the public portal,
vigil.declarations.views.citizen) registers a planned return for its owner or
on behalf of a relative; it sees its registrations with their decisions; an
approved one opens the arrival declaration pre-filled ("Khai báo khi về"),
and the declaration sent from there is linked to the registration.

A registration is reachable only from the session of the phone that
submitted it (`Registration.objects.from_phone`); any other session gets 404.
A logged-in staff account is sent to the staff page of a registration inside
its jurisdiction, and gets 404 for any other.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from vigil.declarations.forms import PublicDeclarationForm
from vigil.declarations.transitions import TransitionRefused
from vigil.declarations.views.citizen import (
    _context,
    _to_start,
    citizen_phone,
    new_record_form,
    public_form,
    submit_web_declaration,
    visitor_record,
    web_idempotency_key,
)

from .. import registrations
from ..forms import RegistrationForm, declaration_initial
from ..models import Registration, RegistrationChannel

MINE_LIMIT = 200


def _queryset():
    return Registration.objects.select_related(
        "area", "village", "departure_country", "departure_unit", "declaration"
    )


def _registration_for(request, code):
    """The registration `code` names if this visitor may see it: (registration, as_citizen).

    (None, False) when the visitor has neither a verified phone nor a staff
    login: the caller sends them to verify their phone first.
    """
    return visitor_record(request, _queryset(), (code or "").strip().upper()[:16])


@never_cache
@require_GET
def mine(request):
    """The registrations this phone made, with their decisions."""
    phone = citizen_phone(request)
    if not phone:
        return _to_start(request)
    rows = _queryset().from_phone(phone).order_by("-created_at", "-id")[:MINE_LIMIT]
    return render(
        request,
        "verification/public/registrations.html",
        _context(phone=phone, registrations=rows),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    """ "Đăng ký về địa phương": for oneself or (?proxy=1) for a relative."""
    phone = citizen_phone(request)
    if not phone:
        return _to_start(request)
    form, proxy = new_record_form(request, RegistrationForm, phone)
    if request.method == "POST" and form.is_valid():
        try:
            registration, _created = registrations.submit_registration(
                form.registration_values(),
                channel=RegistrationChannel.WEB,
                submitter_phone=phone,
                is_proxy=proxy,
                proxy_relation=form.cleaned_data.get("proxy_relation", ""),
                idempotency_key=web_idempotency_key(phone, form),
                request=request,
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Your registration is sent to %(commune)s. The decision will come by SMS.")
                % {"commune": registration.area.name},
            )
            return redirect("public:registration", registration_code=registration.code)
    return render(
        request,
        "verification/public/registration_form.html",
        _context(form=form, phone=phone, proxy=proxy),
    )


@never_cache
@require_GET
def detail(request, registration_code):
    """One registration of this phone: its state, the decision, and what to do next."""
    registration, as_citizen = _registration_for(request, registration_code)
    if registration is None:
        return _to_start(request)
    if not as_citizen:
        return redirect("verification:decide", registration_id=registration.pk)
    return render(
        request,
        "verification/public/registration.html",
        _context(registration=registration, phone=citizen_phone(request)),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def declare(request, registration_code):
    """ "Khai báo khi về": the arrival declaration pre-filled from an approved
    registration; once sent, the registration points at it."""
    registration, as_citizen = _registration_for(request, registration_code)
    if registration is None:
        return _to_start(request)
    if not as_citizen:
        return redirect("verification:decide", registration_id=registration.pk)
    if registration.declaration_id is not None:
        return redirect("public:result", code=registration.declaration.code)
    if not registration.may_declare:
        messages.error(request, _("Only an approved registration pre-fills the declaration."))
        return redirect("public:registration", registration_code=registration.code)
    phone = citizen_phone(request)
    proxy = registration.is_proxy
    initial = {}
    if request.method != "POST":
        initial = declaration_initial(registration)
        messages.info(
            request,
            _(
                "Filled in from your registration %(code)s: check every field, "
                "answer the health questions, then send."
            )
            % {"code": registration.code},
        )
    form = public_form(request, PublicDeclarationForm, proxy=proxy, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: a registration already used undoes the declaration.
            with transaction.atomic():
                submission = submit_web_declaration(request, form, phone=phone, proxy=proxy)
                registrations.link_declaration(
                    registration, submission.declaration, request=request
                )
        except TransitionRefused as exc:
            messages.error(request, exc.message)
            return redirect("public:registration", registration_code=registration.code)
        return redirect("public:result", code=submission.declaration.code)
    return render(
        request,
        "declarations/public/form.html",
        _context(form=form, phone=phone, proxy=proxy, declaration=None),
    )
