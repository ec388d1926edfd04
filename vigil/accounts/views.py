from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vigil.audit.services import Action, log, stale_message
from vigil.core.permissions import (
    MANAGE_ACCOUNTS,
    OWN_ACCOUNT,
    REVIEW_ACCOUNT_REQUESTS,
    requires,
)
from vigil.core.scope import get_for_user

from . import services
from .forms import (
    AccountFilterForm,
    AccountForm,
    AccountRequestForm,
    LoginForm,
    RejectForm,
    TokenForm,
)
from .models import AccountRequest, ApiToken, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        log(self.request, Action.LOGIN, form.get_user())
        return response


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def form_valid(self, form):
        # Saves, and keeps this session signed in under the new password.
        response = super().form_valid(form)
        services.password_changed(self.request.user, keep_session=self.request.session.session_key)
        return response

    def get_success_url(self):
        messages.success(self.request, _("Your password was changed."))
        return "/"


# Accounts (operations centre) ----------------------------------------------


@requires(MANAGE_ACCOUNTS)
def account_list(request):
    form = AccountFilterForm(request.GET)
    qs = form.filter_qs(User.objects.visible_to(request.user).select_related("jurisdiction"))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "accounts/list.html", {"form": form, "page": page, "total": page.paginator.count}
    )


@requires(MANAGE_ACCOUNTS)
def account_create(request):
    form = AccountForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, password = services.create_account(
            request.user,
            username=data["username"],
            full_name=data["full_name"],
            phone=data["phone"],
            unit_name=data["unit_name"],
            tasks=data["tasks"],
            jurisdiction=data["jurisdiction"],
            facility=data["facility"],
            establishment=data["establishment"],
        )
        return render(request, "accounts/created.html", {"account": user, "password": password})
    return render(request, "accounts/form.html", {"form": form})


@requires(MANAGE_ACCOUNTS)
def account_edit(request, user_id):
    account = get_for_user(User.objects, request.user, pk=user_id)
    form = AccountForm(request.POST or None, actor=request.user, instance=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_account(
                request.user,
                account,
                version=data["version"],
                full_name=data["full_name"],
                phone=data["phone"],
                unit_name=data["unit_name"],
                tasks=data["tasks"],
                jurisdiction=data["jurisdiction"],
                facility=data["facility"],
                establishment=data["establishment"],
            )
        except services.StaleRecord:
            # Keep what the user typed; only the version moves on so that a
            # second save, after reviewing, goes through.
            form.add_error(None, stale_message(account))
            form.data = form.data.copy()
            form.data["version"] = User.objects.get(pk=account.pk).version
        else:
            messages.success(request, _("The account was saved."))
            return redirect("accounts:list")
    return render(request, "accounts/form.html", {"form": form, "account": account})


@require_POST
@requires(MANAGE_ACCOUNTS)
def account_set_active(request, user_id):
    account = get_for_user(User.objects, request.user, pk=user_id)
    active = request.POST.get("active") == "1"
    services.set_active(request.user, account, active, reason=request.POST.get("reason", ""))
    if active:
        messages.success(request, _("The account %(u)s was enabled.") % {"u": account.username})
    else:
        messages.success(request, _("The account %(u)s was disabled.") % {"u": account.username})
    return redirect("accounts:list")


@require_POST
@requires(MANAGE_ACCOUNTS)
def account_reset_password(request, user_id):
    account = get_for_user(User.objects, request.user, pk=user_id)
    password = services.reset_password(request.user, account)
    return render(request, "accounts/created.html", {"account": account, "password": password})


# Account requests (unit leaders -> operations centre) ----------------------


@requires(REVIEW_ACCOUNT_REQUESTS)
def request_list(request):
    status = request.GET.get("status", AccountRequest.Status.PENDING)
    qs = services.requests_for(request.user, status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/requests.html",
        {
            "page": page,
            "status": status,
            "statuses": AccountRequest.Status.choices,
            "reject_form": RejectForm(),
        },
    )


@requires(REVIEW_ACCOUNT_REQUESTS)
def request_create(request):
    form = AccountRequestForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        services.file_request(request.user, **form.cleaned_data)
        messages.success(request, _("Your request was sent to the operations centre."))
        return redirect("accounts:requests")
    return render(request, "accounts/request_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@requires(MANAGE_ACCOUNTS)
def request_approve(request, request_id):
    """GET: what approving would grant (task group and what it may do,
    jurisdiction, establishment, username); POST: approve it."""
    req = get_for_user(
        AccountRequest.objects.select_related("jurisdiction", "establishment", "requested_by"),
        request.user,
        pk=request_id,
    )
    if req.status != AccountRequest.Status.PENDING:
        messages.error(request, _("This request was already decided."))
        return redirect("accounts:requests")
    if request.method == "GET":
        return render(
            request,
            "accounts/request_approve.html",
            {
                "req": req,
                "grants": services.capabilities_of(req.task),
                "username": services.suggest_username(req.full_name, req.phone),
                "reject_form": RejectForm(),
            },
        )
    try:
        user, password = services.approve_request(request.user, req)
    except services.StaleRecord:
        messages.error(request, _("This request was already decided."))
        return redirect("accounts:requests")
    return render(request, "accounts/created.html", {"account": user, "password": password})


@require_POST
@requires(MANAGE_ACCOUNTS)
def request_reject(request, request_id):
    req = get_for_user(AccountRequest.objects, request.user, pk=request_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason to reject the request."))
        return redirect("accounts:requests")
    try:
        services.reject_request(request.user, req, form.cleaned_data["note"])
    except services.StaleRecord:
        messages.error(request, _("This request was already decided."))
    else:
        messages.success(request, _("The request was rejected."))
    return redirect("accounts:requests")


# Personal API tokens ------------------------------------------------------


@requires(OWN_ACCOUNT)
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = services.create_token(request.user, form.cleaned_data["name"])
        form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": tokens, "secret": secret}
    )


@require_POST
@requires(OWN_ACCOUNT)
def token_revoke(request, token_id):
    # Tokens are personal: the owner is the scope.
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        from django.http import Http404

        raise Http404
    services.revoke_token(request.user, token)
    messages.success(request, _("The token was revoked."))
    return redirect("accounts:tokens")
