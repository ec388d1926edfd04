"""The citizens' public pages under /khai-bao/ (R-D3, R-D4; the seed's Fig 4 and Fig 5).

Phone -> one-time code by SMS -> the session remembers the verified phone for
VIGIL_CITIZEN_SESSION_MINUTES -> the declarations of that phone, new ones for
oneself or on behalf of someone, their QR code, and updates.

Nobody logs in here. A declaration is reachable only from a session whose
verified phone made it or is the declared person's phone
(`Declaration.objects.from_phone`); every other session gets 404. Staff logged
in with the declaration inside their jurisdiction may also open its result page
and QR images (to print a citizen's QR), and nothing more.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vigil.audit.services import Action, client_ip, log

from .. import otp, services
from ..forms import CodeForm, DeclarationForm, PhoneForm, PublicDeclarationForm
from ..models import Channel
from ..sms import SmsError
from ..transitions import amend, staff_decided
from .records import declaration_queryset

SESSION_KEY = "vigil_citizen"  # {"phone": "0905123456", "until": <unix time>}
PENDING_KEY = "vigil_citizen_pending"  # the phone a code was sent to
NEXT_KEY = "vigil_citizen_next"  # where to go once the phone is verified


# The verified phone in the session ------------------------------------------


def citizen_phone(request):
    """The phone this session verified with a one-time code, or None (also once expired)."""
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict) or not data.get("phone"):
        return None
    if data.get("until", 0) <= timezone.now().timestamp():
        request.session.pop(SESSION_KEY, None)
        return None
    return data["phone"]


def _remember_phone(request, phone):
    # A new session key: a session id planted before the code was entered is useless.
    request.session.cycle_key()
    until = timezone.now() + timedelta(minutes=settings.VIGIL_CITIZEN_SESSION_MINUTES)
    request.session[SESSION_KEY] = {"phone": phone, "until": until.timestamp()}
    request.session.pop(PENDING_KEY, None)


def _to_start(request):
    """Back to the phone page; come back here once the phone is verified."""
    if request.method == "GET":
        request.session[NEXT_KEY] = request.get_full_path()
    return redirect("public:start")


def _next_url(request):
    url = request.session.pop(NEXT_KEY, "") or ""
    base = reverse("public:start")
    # Only our own pages (no '//host' or 'scheme:' tricks), and never the code pages.
    if url.startswith(base) and not url.startswith("//") and "://" not in url:
        return url
    return reverse("public:mine")


# Finding a declaration for this visitor -----------------------------------------


def visitor_record(request, queryset, code):
    """(record, as_citizen) for the record of `queryset` (a declaration or a
    registration to return) whose code is `code`, if this visitor may see it.

    The verified phone's own records first (`queryset.from_phone`); then, for a
    logged-in staff account, records inside its jurisdiction. Everybody else
    gets 404 (missing and not-yours look the same). (None, False) when the
    visitor has neither a verified phone nor a staff login: the caller sends
    them to verify.
    """
    phone = citizen_phone(request)
    if phone:
        record = queryset.from_phone(phone).filter(code=code).first()
        if record is not None:
            return record, True
    if request.user.is_authenticated:
        record = queryset.visible_to(request.user).filter(code=code).first()
        if record is not None:
            return record, False
        raise Http404
    if phone:
        raise Http404
    return None, False


def _declaration_for(request, code):
    """(declaration, as_citizen) for the declaration `code` names (see visitor_record)."""
    return visitor_record(request, declaration_queryset(), (code or "").strip().upper())


# Sending a new form of this phone -------------------------------------------------


def public_form(request, form_class, *, proxy, initial):
    """A new record's form of the public web: bound to the POST, or else showing
    `initial` with a fresh idempotency key (see PublicDeclarationForm)."""
    if request.method == "POST":
        return form_class(request.POST, proxy=proxy, idempotent=True)
    initial = {"idempotency_key": uuid.uuid4().hex, **initial}
    return form_class(initial=initial, proxy=proxy, idempotent=True)


def new_record_form(request, form_class, phone):
    """(form, proxy) of a new declaration or registration of this phone: for
    oneself (the phone filled in) or, with ?proxy=1, for someone else."""
    proxy = request.GET.get("proxy") == "1"
    initial = {} if proxy else {"phone": phone}
    return public_form(request, form_class, proxy=proxy, initial=initial), proxy


def web_idempotency_key(phone, form):
    # Tied to the phone: another session cannot replay someone's key.
    return f"web:{phone}:{form.cleaned_data['idempotency_key']}"


def submit_web_declaration(request, form, *, phone, proxy):
    """Send a valid PublicDeclarationForm as a web declaration of the verified `phone`."""
    data = form.declaration_data()
    if not proxy:
        data.pop("proxy_relation", None)
    return services.submit_declaration(
        form.identity(),
        data,
        channel=Channel.WEB,
        submitter_phone=phone,
        is_proxy=proxy,
        idempotency_key=web_idempotency_key(phone, form),
        request=request,
    )


# Pages --------------------------------------------------------------------------


def _context(**extra):
    return {"province": settings.VIGIL_PROVINCE_LABEL, **extra}


@never_cache
@require_http_methods(["GET", "POST"])
def start(request):
    """Step 1: the phone number; a one-time code is sent to it by SMS."""
    if request.method == "POST":
        form = PhoneForm(request.POST)
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                otp.request_code(phone, client_ip(request))
            except otp.OtpError as exc:
                form.add_error("phone", exc.message)
            except SmsError:
                form.add_error("phone", _("The SMS could not be sent. Try again in a few minutes."))
            else:
                request.session[PENDING_KEY] = phone
                return redirect("public:code")
    else:
        if citizen_phone(request):
            return redirect("public:mine")
        form = PhoneForm(initial={"phone": request.session.get(PENDING_KEY, "")})
    return render(request, "declarations/public/start.html", _context(form=form))


@never_cache
@require_http_methods(["GET", "POST"])
def enter_code(request):
    """Step 2: the code from the SMS; the session then remembers the phone."""
    phone = request.session.get(PENDING_KEY)
    if not phone:
        return redirect("public:start")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            otp.verify_code(phone, form.cleaned_data["code"])
        except otp.OtpError as exc:
            form.add_error("code", exc.message)
        else:
            _remember_phone(request, phone)
            return redirect(_next_url(request))
    minutes = max(1, settings.VIGIL_OTP_TTL_SECONDS // 60)
    return render(
        request,
        "declarations/public/code.html",
        _context(form=form, phone=phone, minutes=minutes, digits=otp.CODE_DIGITS),
    )


@never_cache
@require_POST
def leave(request):
    """Forget the verified phone (a shared phone, a family tablet)."""
    for key in (SESSION_KEY, PENDING_KEY, NEXT_KEY):
        request.session.pop(key, None)
    return redirect("public:start")


@never_cache
@require_GET
def mine(request):
    """The declarations this phone made, for its owner or on behalf of others."""
    phone = citizen_phone(request)
    if not phone:
        return _to_start(request)
    declarations = declaration_queryset().from_phone(phone).order_by("-created_at", "-id")[:200]
    return render(
        request,
        "declarations/public/mine.html",
        _context(phone=phone, declarations=declarations),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def new(request):
    """Step 3: the whole declaration form, for oneself or (?proxy=1) for someone else."""
    phone = citizen_phone(request)
    if not phone:
        return _to_start(request)
    form, proxy = new_record_form(request, PublicDeclarationForm, phone)
    if request.method == "POST" and form.is_valid():
        submission = submit_web_declaration(request, form, phone=phone, proxy=proxy)
        return redirect("public:result", code=submission.declaration.code)
    return render(
        request,
        "declarations/public/form.html",
        _context(form=form, phone=phone, proxy=proxy, declaration=None),
    )


@never_cache
@require_GET
def result(request, code):
    """Step 4: the QR code to save or print, its short code, and a summary."""
    declaration, as_citizen = _declaration_for(request, code)
    if declaration is None:
        return _to_start(request)
    if not as_citizen:
        log(request, Action.VIEW, declaration, detail={"page": "public_result"})
    return render(
        request,
        "declarations/public/result.html",
        _context(
            declaration=declaration,
            # What was declared, never the Person's record (issue #12).
            person=declaration.declared,
            as_citizen=as_citizen,
            yes_answers=declaration.yes_answers(),
        ),
    )


def _qr_response(request, code, kind):
    declaration, _as_citizen = _declaration_for(request, code)
    if declaration is None:
        return _to_start(request)
    payload = services.qr_payload(declaration)
    if kind == "png":
        response = HttpResponse(services.qr_png(payload), content_type="image/png")
    else:
        response = HttpResponse(services.qr_svg(payload), content_type="image/svg+xml")
    if request.GET.get("download") == "1":
        name = f"vigil-{declaration.code}.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@never_cache
@require_GET
def qr_png(request, code):
    return _qr_response(request, code, "png")


@never_cache
@require_GET
def qr_svg(request, code):
    return _qr_response(request, code, "svg")


def _initial(declaration):
    """The edit form's values: the declaration's, and the identity as it was
    declared, never the Person's record (issue #12)."""
    initial = DeclarationForm.initial_from(declaration)
    declared = declaration.declared
    initial.update({name: getattr(declared, name) for name in DeclarationForm.IDENTITY})
    if declaration.is_proxy:
        initial["proxy_relation"] = declaration.proxy_relation
    return initial


@never_cache
@require_http_methods(["GET", "POST"])
def edit(request, code):
    """Update a declaration of this phone; refuses a form opened before another change."""
    declaration, as_citizen = _declaration_for(request, code)
    if declaration is None:
        return _to_start(request)
    if not as_citizen:
        # Staff change declarations on their own pages, not the citizens' one.
        return redirect("public:result", code=declaration.code)
    proxy = declaration.is_proxy
    locked = staff_decided(declaration)
    stale = None
    if request.method == "POST":
        form = PublicDeclarationForm(
            request.POST, proxy=proxy, locked=locked, initial=_initial(declaration)
        )
        if form.is_valid():
            try:
                current = amend(
                    declaration,
                    form.identity(),
                    form.declaration_data(),
                    version=form.cleaned_data["version"],
                    request=request,
                    by_citizen=True,
                    correction_note=form.cleaned_data.get("correction_note", ""),
                )
            except services.StaleDeclaration as exc:
                # Keep what was typed, but against the current version: sending
                # again, knowingly, replaces the other change.
                stale = exc.current
                data = request.POST.copy()
                data["version"] = str(stale.version)
                form = PublicDeclarationForm(
                    data, proxy=proxy, locked=staff_decided(stale), initial=_initial(stale)
                )
                form.is_valid()
            else:
                _say_what_happens_next(request, current)
                return redirect("public:result", code=declaration.code)
    else:
        form = PublicDeclarationForm(initial=_initial(declaration), proxy=proxy, locked=locked)
    return render(
        request,
        "declarations/public/form.html",
        _context(
            form=form,
            phone=citizen_phone(request),
            proxy=proxy,
            declaration=declaration,
            stale=stale,
        ),
    )


def _say_what_happens_next(request, current):
    messages.success(request, _("Your declaration was updated."))
    if current.correction_requested:
        messages.info(
            request, _("Your correction request was sent to the commune; staff will check it.")
        )
    if current.proposed_colour:
        messages.info(request, _("Your changed answers will be reviewed by the health staff."))
