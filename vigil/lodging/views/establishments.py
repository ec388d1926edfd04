"""The establishment catalogue ("Danh mục cơ sở lưu trú", R-A1): the list
with the guests in house tonight, add / change, and each establishment's
page with its accounts and the keys of its property-management system.

An establishment's own account sees only its establishment (the scope does
it) and may issue and revoke its own keys; a new key is shown once, on the
page that answers the POST.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.audit.services import stale_message
from vigil.core.permissions import (
    MANAGE_ESTABLISHMENTS,
    MANAGE_PMS_TOKENS,
    READ_ESTABLISHMENTS,
    READ_GUESTS,
    may,
    requires,
)
from vigil.core.scope import get_for_user

from .. import catalogue as services
from ..forms_establishments import EstablishmentFilterForm, EstablishmentForm, PmsTokenForm
from ..models import Establishment, EstablishmentStatus, PmsToken

PAGE_SIZE = 50


def _add_errors(form, exc):
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _establishments(user):
    return Establishment.objects.visible_to(user).select_related("area__parent", "village")


def _establishment(request, establishment_id):
    return get_for_user(_establishments(request.user), request.user, pk=establishment_id)


@require_GET
@requires(READ_ESTABLISHMENTS)
def establishment_list(request):
    filters = EstablishmentFilterForm(request.GET, user=request.user)
    rows = services.with_in_house(filters.filter_qs(_establishments(request.user)))
    page = Paginator(rows.order_by("area_path", "name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "lodging/establishments.html",
        {
            "filters": filters,
            "page": page,
            "total": page.paginator.count,
            "may_edit": may(request.user, MANAGE_ESTABLISHMENTS),
        },
    )


@requires(MANAGE_ESTABLISHMENTS)
def establishment_new(request):
    form = EstablishmentForm(
        request.POST or None,
        user=request.user,
        initial={"status": EstablishmentStatus.OPEN, "area": request.user.jurisdiction_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            establishment = services.create_establishment(request.user, form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("The establishment %(name)s was added.") % {"name": establishment.name}
            )
            return redirect("lodging:establishment", establishment.pk)
    return render(request, "lodging/establishment_form.html", {"form": form})


@requires(MANAGE_ESTABLISHMENTS)
def establishment_edit(request, establishment_id):
    establishment = _establishment(request, establishment_id)
    form = EstablishmentForm(request.POST or None, user=request.user, instance=establishment)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_establishment(
                establishment,
                actor=request.user,
                version=form.cleaned_data["version"],
                fields=form.values(),
            )
        except services.StaleEstablishment as exc:
            # Keep what the user typed; only the version moves on.
            form.add_error(None, stale_message(exc.current))
            form.data = form.data.copy()
            form.data[form.add_prefix("version")] = exc.current.version
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The establishment was saved."))
            return redirect("lodging:establishment", establishment.pk)
    return render(
        request,
        "lodging/establishment_form.html",
        {"form": form, "establishment": establishment},
    )


def _render_detail(request, establishment, token_form=None, secret=None, status=200):
    may_tokens = may(request.user, MANAGE_PMS_TOKENS)
    establishment = services.with_in_house(
        _establishments(request.user).filter(pk=establishment.pk)
    ).get()
    return render(
        request,
        "lodging/establishment.html",
        {
            "establishment": establishment,
            "district": services.district_of(establishment),
            "accounts": establishment.accounts.order_by("username"),
            "tokens": services.tokens_of(establishment) if may_tokens else [],
            "token_form": token_form or PmsTokenForm(),
            "secret": secret,
            "may_edit": may(request.user, MANAGE_ESTABLISHMENTS),
            "may_tokens": may_tokens,
            "may_guests": may(request.user, READ_GUESTS),
        },
        status=status,
    )


@require_GET
@requires(READ_ESTABLISHMENTS)
def establishment_detail(request, establishment_id):
    return _render_detail(request, _establishment(request, establishment_id))


@require_POST
@requires(MANAGE_PMS_TOKENS)
def token_new(request, establishment_id):
    establishment = _establishment(request, establishment_id)
    form = PmsTokenForm(request.POST)
    if form.is_valid():
        try:
            token, secret = services.issue_token(
                establishment, actor=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("The key %(name)s was issued. Copy it now: it will not be shown again.")
                % {"name": token.name},
            )
            return _render_detail(request, establishment, secret=secret)
    return _render_detail(request, establishment, token_form=form, status=422)


@require_POST
@requires(MANAGE_PMS_TOKENS)
def token_revoke(request, pms_token_id):
    # A key has no scope of its own: its establishment's (404 outside it).
    visible = Establishment.objects.visible_to(request.user)
    token = get_object_or_404(
        PmsToken.objects.select_related("establishment"), pk=pms_token_id, establishment__in=visible
    )
    services.revoke_token(token, actor=request.user)
    messages.success(request, _("The key %(name)s was revoked.") % {"name": token.name})
    return redirect("lodging:establishment", token.establishment_id)
