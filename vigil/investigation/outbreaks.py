"""The outbreak catalogue ("Danh mục ổ dịch", R-E2): adding, changing,
closing, reopening and deleting an outbreak location.

Every rule lives here so that the page and the API say the same thing: the
commune is a commune of the home province inside the actor's scope, the
village is required when the commune has villages, the coordinates come in
pairs and lie inside the province's bounding box (settings.VIGIL_PROVINCE_BBOX),
and an outbreak closes on or after the day it opened. Each change locks the
row, checks its `version`, bumps it and writes an audit row, in one
transaction.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.areas.models import Level
from vigil.audit.services import Action, log
from vigil.declarations.places import check_place

from .models import Case, CaseKind, Outbreak, OutbreakStatus

FIELDS = (
    "name",
    "area",
    "village",
    "address",
    "longitude",
    "latitude",
    "status",
    "opened_on",
    "closed_on",
)


class StaleOutbreak(Exception):
    """Someone saved the outbreak since the caller read its `version`."""

    def __init__(self, current):
        self.current = current
        super().__init__("stale")


def province_bbox():
    """(min_lon, min_lat, max_lon, max_lat) of the home province."""
    return tuple(Decimal(str(v)) for v in settings.VIGIL_PROVINCE_BBOX)


def _check_coordinates(values, errors):
    lon, lat = values.get("longitude"), values.get("latitude")
    if lon is None and lat is None:
        return
    if lon is None or lat is None:
        missing = "longitude" if lon is None else "latitude"
        errors[missing] = _("Enter both the longitude and the latitude, or neither.")
        return
    min_lon, min_lat, max_lon, max_lat = province_bbox()
    if not min_lon <= lon <= max_lon:
        errors["longitude"] = _(
            "This longitude is outside the province (between %(low)s and %(high)s)."
        ) % {"low": min_lon, "high": max_lon}
    if not min_lat <= lat <= max_lat:
        errors["latitude"] = _(
            "This latitude is outside the province (between %(low)s and %(high)s)."
        ) % {"low": min_lat, "high": max_lat}


def _check_dates(values, errors):
    opened, closed = values.get("opened_on"), values.get("closed_on")
    if opened is None:
        errors["opened_on"] = _("Enter the date the outbreak was declared.")
    if values.get("status") not in OutbreakStatus.values:
        errors["status"] = _("Choose a status.")
    if values.get("status") == OutbreakStatus.CLOSED and closed is None:
        # Closing without a date closes it today.
        values["closed_on"] = closed = timezone.localdate()
    if values.get("status") == OutbreakStatus.ACTIVE:
        values["closed_on"] = closed = None
    if opened and closed and closed < opened:
        errors["closed_on"] = _("The closing date is before the opening date.")


def validate(actor, values):
    """The values cleaned (name trimmed, closing date set or cleared with
    the status), or ValidationError {field: message}."""
    values = {name: values.get(name) for name in FIELDS}
    values["name"] = " ".join((values["name"] or "").split())
    values["address"] = " ".join((values["address"] or "").split())
    values["status"] = values["status"] or OutbreakStatus.ACTIVE
    errors = {}
    if not values["name"]:
        errors["name"] = _("Enter the name of the outbreak.")
    check_place(actor, values, errors)
    _check_coordinates(values, errors)
    _check_dates(values, errors)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def create_outbreak(actor, fields):
    values = validate(actor, fields)
    outbreak = Outbreak(created_by=actor, **values)
    outbreak.save()
    log(actor, Action.CREATE, outbreak, detail={"name": outbreak.name, "status": outbreak.status})
    return outbreak


def _plain(value):
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _locked(outbreak, version):
    current = Outbreak.objects.select_for_update().get(pk=outbreak.pk)
    if version is not None and current.version != version:
        raise StaleOutbreak(current)
    return current


@transaction.atomic
def update_outbreak(outbreak, *, actor, version, fields):
    """Change an outbreak; a `version` other than the row's is refused with
    StaleOutbreak and nothing is written."""
    current = _locked(outbreak, version)
    values = validate(actor, {**{n: getattr(current, n) for n in FIELDS}, **fields})
    changed = {}
    for name, value in values.items():
        before = getattr(current, name)
        if before != value:
            changed[name] = [_plain(before), _plain(value)]
            setattr(current, name, value)
    current.version += 1
    current.save()
    log(actor, Action.CHANGE, current, detail=changed)
    return current


def close_outbreak(outbreak, *, actor, version, closed_on=None):
    fields = {"status": OutbreakStatus.CLOSED, "closed_on": closed_on or timezone.localdate()}
    return update_outbreak(outbreak, actor=actor, version=version, fields=fields)


def reopen_outbreak(outbreak, *, actor, version):
    fields = {"status": OutbreakStatus.ACTIVE, "closed_on": None}
    return update_outbreak(outbreak, actor=actor, version=version, fields=fields)


@transaction.atomic
def delete_outbreak(outbreak, *, actor, version=None):
    """Delete an outbreak no case record points at (itinerary rows forget
    it); refused with a ValidationError otherwise."""
    current = _locked(outbreak, version)
    n = current.cases.count()
    if n:
        raise ValidationError(
            _(
                "%(n)s case records belong to this outbreak: move them to another outbreak "
                "or close the outbreak instead."
            )
            % {"n": n}
        )
    log(actor, Action.DELETE, current, detail={"name": current.name})
    current.delete()


# Reading ------------------------------------------------------------------

RECENT_DAYS = 14


def with_counts(queryset):
    """Outbreaks with `n_cases` (F0), `n_contacts` and `recent` (a confirmed
    case in the last RECENT_DAYS days), in subqueries: one row per outbreak
    whatever their number of cases. The counts cover the whole outbreak (a
    number, no one named), records outside the viewer's area included."""

    def count(kind):
        rows = (
            Case.objects.filter(outbreak=OuterRef("pk"), kind=kind)
            .order_by()
            .values("outbreak")
            .annotate(n=Count("id"))
            .values("n")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))

    today = timezone.localdate()
    cutoff = today - datetime.timedelta(days=RECENT_DAYS)
    since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
    recent = Case.objects.filter(outbreak=OuterRef("pk"), kind=CaseKind.CONFIRMED).filter(
        Q(confirmed_on__gte=cutoff) | Q(confirmed_on__isnull=True, created_at__gte=since)
    )
    return queryset.annotate(
        n_cases=count(CaseKind.CONFIRMED),
        n_contacts=count(CaseKind.CONTACT),
        recent=Exists(recent),
    )


def activity(outbreak, today=None):
    """ "recent" (active, a case in the last 14 days), "active" or "closed"."""
    today = today or timezone.localdate()
    closed = outbreak.status == OutbreakStatus.CLOSED or (
        outbreak.closed_on is not None and outbreak.closed_on < today
    )
    if closed:
        return "closed"
    return "recent" if getattr(outbreak, "recent", False) else "active"


def district_of(outbreak):
    parent = outbreak.area.parent
    return parent if parent is not None and parent.level == Level.DISTRICT else None


def map_features(user):
    """The visible outbreaks with coordinates as a GeoJSON FeatureCollection
    (the map page and the API)."""
    rows = with_counts(
        Outbreak.objects.visible_to(user)
        .select_related("area__parent")
        .filter(longitude__isnull=False, latitude__isnull=False)
    )
    cases_url = reverse("investigation:cases")
    features = []
    for o in rows.order_by("name", "id"):
        district = district_of(o)
        features.append(
            {
                "type": "Feature",
                "id": o.pk,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(o.longitude), float(o.latitude)],
                },
                "properties": {
                    "id": o.pk,
                    "name": o.name,
                    "commune": o.area.name,
                    "district": district.name if district else "",
                    "status": o.status,
                    "activity": activity(o),
                    "cases": o.n_cases,
                    "contacts": o.n_contacts,
                    "cases_url": f"{cases_url}?outbreak={o.pk}",
                    "chain_url": reverse("investigation:outbreak-chain", args=[o.pk]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
