"""The facility catalogue ("Danh mục cơ sở cách ly") and each facility's
buildings, rooms and beds with their occupants."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce, Length
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vigil.core.permissions import ADD_ROOMS, EDIT_FACILITIES, READ_QUARANTINE, may, requires
from vigil.core.scope import get_for_user

from .. import board as board_figures
from .. import services
from ..forms import (
    FacilityFilterForm,
    FacilityForm,
    QuickRoomsForm,
)
from ..models import Bed, Building, Facility, Stay
from ..services import StaleFacility, create_facility, update_facility
from .shared import PAGE_SIZE, _add_errors, _stale

# Facilities ----------------------------------------------------------------------


@require_GET
@requires(READ_QUARANTINE)
def facility_list(request):
    form = FacilityFilterForm(request.GET, user=request.user)
    beds = (
        Bed.objects.filter(room__building__facility=OuterRef("pk"), active=True)
        .order_by()
        .values("room__building__facility")
        .annotate(n=Count("id"))
        .values("n")
    )
    inside = (
        Stay.objects.open()
        .filter(facility=OuterRef("pk"))
        .order_by()
        .values("facility")
        .annotate(n=Count("id"))
        .values("n")
    )
    facilities = (
        form.filter_qs(Facility.objects.visible_to(request.user))
        .select_related("area__parent")
        .annotate(
            n_beds=Coalesce(Subquery(beds, output_field=IntegerField()), Value(0)),
            n_inside=Coalesce(Subquery(inside, output_field=IntegerField()), Value(0)),
        )
        .order_by("area_path", "name")
    )
    page = Paginator(facilities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "quarantine/facilities.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "may_edit": may(request.user, EDIT_FACILITIES),
        },
    )


@requires(EDIT_FACILITIES)
def facility_create(request):
    form = FacilityForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        facility = create_facility(request.user, **form.values())
        messages.success(request, _("The facility %(name)s was added.") % {"name": facility.name})
        return redirect("quarantine:facility", facility.pk)
    return render(request, "quarantine/facility_form.html", {"form": form})


@requires(EDIT_FACILITIES)
def facility_edit(request, facility_id):
    facility = get_for_user(Facility.objects, request.user, pk=facility_id)
    form = FacilityForm(request.POST or None, user=request.user, instance=facility)
    if request.method == "POST" and form.is_valid():
        try:
            update_facility(
                request.user, facility, version=form.cleaned_data["version"], **form.values()
            )
        except StaleFacility as exc:
            _stale(form, facility, exc.current)
        else:
            messages.success(request, _("The facility was saved."))
            return redirect("quarantine:facility", facility.pk)
    return render(request, "quarantine/facility_form.html", {"form": form, "facility": facility})


def _facility_for(request, facility_id):
    return get_for_user(
        Facility.objects.select_related("area__parent"), request.user, pk=facility_id
    )


@require_GET
@requires(READ_QUARANTINE)
def facility_detail(request, facility_id):
    facility = _facility_for(request, facility_id)
    return _render_facility(request, facility, QuickRoomsForm(initial={"beds_per_room": 4}))


def _render_facility(request, facility, rooms_form):
    buildings = list(
        facility.buildings.annotate(
            n_rooms=Count("rooms", distinct=True),
            n_beds=Count("rooms__beds", filter=Q(rooms__beds__active=True)),
        )
    )
    wanted = request.GET.get("building", "")
    building = next(
        (b for b in buildings if str(b.pk) == wanted), buildings[0] if buildings else None
    )
    rooms = []
    if building is not None:
        occupants = {
            s.bed_id: s
            for s in Stay.objects.visible_to(request.user)
            .open()
            .filter(bed__room__building=building)
            .select_related("person")
        }
        room_list = building.rooms.prefetch_related(
            Prefetch("beds", queryset=Bed.objects.order_by(Length("label"), "label"))
        )
        rooms = [
            (room, [(bed, occupants.get(bed.pk)) for bed in room.beds.all()]) for room in room_list
        ]
    row = board_figures.board_rows(request.user, [facility])[0]
    return render(
        request,
        "quarantine/facility.html",
        {
            "facility": facility,
            "buildings": buildings,
            "building": building,
            "rooms": rooms,
            "row": row,
            "days": board_figures.board_days(),
            "rooms_form": rooms_form,
            "may_add_rooms": may(request.user, ADD_ROOMS),
            "may_edit": may(request.user, EDIT_FACILITIES),
        },
    )


@require_POST
@requires(ADD_ROOMS)
def facility_rooms(request, facility_id):
    facility = _facility_for(request, facility_id)
    form = QuickRoomsForm(request.POST)
    if form.is_valid():
        try:
            created = services.add_rooms(request.user, facility, **form.arguments())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(n)s beds were added.") % {"n": created})
            building = Building.objects.filter(
                facility=facility, name=form.cleaned_data["building"].strip()
            ).first()
            url = reverse("quarantine:facility", args=[facility.pk])
            return redirect(f"{url}?building={building.pk}" if building else url)
    return _render_facility(request, facility, form)
