"""Pages of two-step verification: enrolment and management
("Xác thực hai bước") and the code page of a login. The rules and the
middleware are in `vigil.accounts.twofactor`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vigil.core.permissions import OWN_ACCOUNT, requires

from . import twofactor
from .forms_2fa import CodeForm, ReplaceForm


def _wrong_code_message():
    return _("That code is not right. Check that the phone's clock is set automatically.")


def _throttled_message(error):
    return _("Too many wrong codes. Try again after %(time)s.") % {
        "time": date_format(localtime(error.until), "H:i")
    }


def _step_context(request):
    # While the second step is pending the menu stays hidden: it would show
    # the worklists' counts to a session that has only the password.
    return {} if twofactor.pending_step(request) is None else {"menu": []}


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else "/"


@requires(OWN_ACCOUNT)
def manage(request):
    """Enrolment (the QR code and a code to confirm it) or, once enrolled,
    the state of the account's second factor."""
    enrolled = twofactor.is_enrolled(request.user)
    if enrolled and "replace" not in request.GET and request.method != "POST":
        context = {
            "device": twofactor.device_of(request.user),
            "codes_left": twofactor.recovery_codes_left(request.user),
            "required": twofactor.is_required(request.user),
            "codes_form": CodeForm(auto_id="new_codes_%s"),
            "disable_form": CodeForm(auto_id="disable_%s"),
        }
        return render(request, "accounts/two_factor_manage.html", context)
    form = (ReplaceForm if enrolled else CodeForm)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = _enrol(request, form, enrolled)
        if codes is not None:
            return _show_codes(request, codes, enrolled=True, next_url=_safe_next(request))
    secret = twofactor.offered_secret(request)
    uri = twofactor.provisioning_uri(request.user, secret)
    context = {
        "form": form,
        "secret": secret,
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "qr": mark_safe(twofactor.qr_svg(uri)),  # noqa: S308  (segno's SVG of our own text)
        "replacing": enrolled,
        "required": twofactor.is_required(request.user),
        "next": _safe_next(request),
        **_step_context(request),
    }
    return render(request, "accounts/two_factor_setup.html", context)


def _enrol(request, form, replacing):
    """The recovery codes of a confirmed enrolment, or None with the form's errors."""
    if twofactor.offered_timecode(request, form.cleaned_data["code"]) is None:
        # Checked first, so that a wrong new code does not use up the old one.
        form.add_error("code", _wrong_code_message())
        return None
    if replacing:
        try:
            good = twofactor.check_code(request, form.cleaned_data["current"], purpose="replace")
        except twofactor.TooManyAttempts as error:
            form.add_error("current", _throttled_message(error))
            return None
        if good is None:
            form.add_error("current", _wrong_code_message())
            return None
    codes = twofactor.enrol(request, form.cleaned_data["code"])
    if codes is None:
        form.add_error("code", _wrong_code_message())
    return codes


def _show_codes(request, codes, *, enrolled=False, next_url="/"):
    context = {"codes": codes, "enrolled": enrolled, "next": next_url}
    return render(request, "accounts/two_factor_codes.html", context)


@requires(OWN_ACCOUNT)
def verify(request):
    """The code page of a login with an authenticator."""
    if twofactor.pending_step(request) != "verify":
        return redirect(_safe_next(request))
    form = CodeForm(request.POST or None, recovery=True)
    if request.method == "POST" and form.is_valid():
        try:
            how = twofactor.verify_login(request, form.cleaned_data["code"])
        except twofactor.TooManyAttempts as error:
            form.add_error("code", _throttled_message(error))
        else:
            if how is not None:
                if how == "recovery":
                    left = twofactor.recovery_codes_left(request.user)
                    messages.warning(
                        request,
                        _("You used a recovery code. Recovery codes left: %(n)s.") % {"n": left},
                    )
                return redirect(_safe_next(request))
            form.add_error("code", _wrong_code_message())
    context = {"form": form, "next": _safe_next(request), "menu": []}
    return render(request, "accounts/two_factor_verify.html", context)


def _checked_code(request):
    form = CodeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a code from your authenticator app."))
        return None
    return form.cleaned_data["code"]


@require_POST
@requires(OWN_ACCOUNT)
def regenerate(request):
    """New recovery codes, given a current code; the old ones stop working."""
    code = _checked_code(request)
    if code is not None and twofactor.is_enrolled(request.user):
        try:
            codes = twofactor.regenerate_recovery_codes(request, code)
        except twofactor.TooManyAttempts as error:
            messages.error(request, _throttled_message(error))
        else:
            if codes is not None:
                return _show_codes(request, codes)
            messages.error(request, _wrong_code_message())
    return redirect("accounts:two-factor")


@require_POST
@requires(OWN_ACCOUNT)
def disable(request):
    """Turn two-step verification off, given a current code."""
    code = _checked_code(request)
    if code is not None and twofactor.is_enrolled(request.user):
        try:
            done = twofactor.disable(request, code)
        except twofactor.TooManyAttempts as error:
            messages.error(request, _throttled_message(error))
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            if done:
                messages.success(request, _("Two-step verification is off."))
            else:
                messages.error(request, _wrong_code_message())
    return redirect("accounts:two-factor")
