"""The outbreak catalogue ("Danh mục ổ dịch", R-E2) and the outbreak map.

The list shows the outbreaks in the user's scope with their case and contact
counts, and the add form on top for EDIT_OUTBREAKS holders; the map shows
those with coordinates as circles coloured by activity, drawn by
static/investigation/map.js from `map_data` (GeoJSON).
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.audit.services import stale_message
from vigil.core.permissions import EDIT_OUTBREAKS, READ_CASES, may, requires
from vigil.core.scope import get_for_user

from .. import outbreaks as services
from ..forms_outbreaks import OutbreakFilterForm, OutbreakForm
from ..models import Outbreak

PAGE_SIZE = 50


def _add_errors(form, exc):
    errors = getattr(exc, "error_dict", None) or {None: exc.error_list}
    for field, items in errors.items():
        form.add_error(field if field in form.fields else None, items)


def _outbreaks(user):
    return Outbreak.objects.visible_to(user).select_related("area__parent", "village")


def _bbox_attrs():
    return ",".join(str(v) for v in settings.VIGIL_PROVINCE_BBOX)


def _map_context():
    return {
        "map_tiles": settings.VIGIL_MAP_TILES,
        "map_attribution": settings.VIGIL_MAP_ATTRIBUTION,
        "map_bbox": _bbox_attrs(),
    }


@requires(READ_CASES)
def outbreak_list(request):
    may_edit = may(request.user, EDIT_OUTBREAKS)
    form = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        form = OutbreakForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                outbreak = services.create_outbreak(request.user, form.values())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(
                    request, _("The outbreak %(name)s was added.") % {"name": outbreak.name}
                )
                return redirect("investigation:outbreaks")
    elif may_edit:
        form = OutbreakForm(
            user=request.user, initial={"status": "active", "opened_on": timezone.localdate()}
        )
    filters = OutbreakFilterForm(request.GET, user=request.user)
    rows = services.with_counts(filters.filter_qs(_outbreaks(request.user)))
    page = Paginator(rows.order_by("-opened_on", "name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for outbreak in page:
        outbreak.activity = services.activity(outbreak)
        outbreak.district = services.district_of(outbreak)
    return render(
        request,
        "investigation/outbreaks.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "total": page.paginator.count,
            "may_edit": may_edit,
            **_map_context(),
        },
    )


@requires(EDIT_OUTBREAKS)
def outbreak_edit(request, outbreak_id):
    outbreak = get_for_user(_outbreaks(request.user), request.user, pk=outbreak_id)
    form = OutbreakForm(request.POST or None, user=request.user, instance=outbreak)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_outbreak(
                outbreak,
                actor=request.user,
                version=form.cleaned_data["version"],
                fields=form.values(),
            )
        except services.StaleOutbreak as exc:
            form.add_error(None, stale_message(exc.current))
            form.data = form.data.copy()
            form.data["version"] = exc.current.version
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The outbreak was saved."))
            return redirect("investigation:outbreaks")
    return render(
        request,
        "investigation/outbreak_form.html",
        {"form": form, "outbreak": outbreak, **_map_context()},
    )


@require_POST
@requires(EDIT_OUTBREAKS)
def outbreak_delete(request, outbreak_id):
    outbreak = get_for_user(Outbreak.objects, request.user, pk=outbreak_id)
    version = request.POST.get("version", "")
    try:
        services.delete_outbreak(
            outbreak, actor=request.user, version=int(version) if version.isdigit() else None
        )
    except services.StaleOutbreak as exc:
        messages.error(request, stale_message(exc.current))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The outbreak %(name)s was deleted.") % {"name": outbreak})
    return redirect("investigation:outbreaks")


@require_GET
@requires(READ_CASES)
def outbreak_map(request):
    count = _outbreaks(request.user).filter(longitude__isnull=False, latitude__isnull=False)
    return render(
        request,
        "investigation/map.html",
        {"n_outbreaks": count.count(), **_map_context()},
    )


@require_GET
@requires(READ_CASES)
def map_data(request):
    return JsonResponse(services.map_features(request.user))
