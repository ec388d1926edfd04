"""The establishment catalogue ("Danh mục cơ sở lưu trú", R-A1) and the
establishments' keys for their property-management systems.

Every rule lives here so that the page and the API say the same thing: the
commune is a commune of the home province inside the actor's scope, the
village is required when the commune has villages, the number of rooms is at
least 1 when given, the phone is a Vietnamese number in its normal form and
the licence number is unique in the province. Each change locks the row,
checks its `version`, bumps it and writes an audit row, in one transaction.

A PMS key is shown once: `vgp_<prefix>_<random>`; only the prefix and a
SHA-256 of the whole key are kept (like the personal API tokens).
"""

import datetime
import hashlib
import hmac
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.areas.models import AdminUnit, Level
from vigil.audit.services import Action, log
from vigil.core.phones import normalize_phone
from vigil.declarations.places import check_place

from .models import Establishment, EstablishmentKind, EstablishmentStatus, GuestStay, PmsToken

FIELDS = (
    "name",
    "kind",
    "licence_number",
    "area",
    "village",
    "address",
    "rooms",
    "phone",
    "status",
)
TOKEN_PREFIX = "vgp_"  # noqa: S105  (not a secret: how every key starts)
PREFIX_LEN = 8
# last_used_at is written at most once a minute per key.
LAST_USED_EVERY = datetime.timedelta(minutes=1)


class StaleEstablishment(Exception):
    """Someone saved the establishment since the caller read its `version`."""

    def __init__(self, current):
        self.current = current
        super().__init__("stale")


def _check_licence(values, errors, instance):
    licence = values["licence_number"]
    if not licence:
        return
    home = AdminUnit.objects.home_province()
    others = Establishment.objects.filter(
        licence_number__iexact=licence, area_path__startswith=home.path
    )
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    taken = others.first()
    if taken is not None:
        message = _("This licence number is already registered for %(name)s.")
        errors["licence_number"] = message % {"name": taken.name}


def _check_rest(values, errors):
    if not values["name"]:
        errors["name"] = _("Enter the name of the establishment.")
    if values["kind"] not in EstablishmentKind.values:
        errors["kind"] = _("Choose the kind of establishment.")
    if values["status"] not in EstablishmentStatus.values:
        errors["status"] = _("Choose a status.")
    rooms = values["rooms"]
    if rooms not in (None, ""):
        try:
            rooms = int(rooms)
        except (TypeError, ValueError):
            rooms = 0
        if rooms < 1:
            errors["rooms"] = _("Enter a number of rooms of at least 1, or leave it empty.")
    values["rooms"] = rooms if rooms not in ("",) else None
    phone = values["phone"]
    if phone:
        normal = normalize_phone(phone)
        if normal is None:
            errors["phone"] = _(
                "Enter a Vietnamese phone number, e.g. 0905 123 456 or +84 905 123 456."
            )
        values["phone"] = normal or phone


def validate(actor, values, instance=None):
    """The values cleaned (text trimmed, phone normalised), or
    ValidationError {field: message}."""
    values = {name: values.get(name) for name in FIELDS}
    for name in ("name", "address"):
        values[name] = " ".join((values[name] or "").split())
    values["licence_number"] = (values["licence_number"] or "").strip()
    values["phone"] = (values["phone"] or "").strip()
    values["status"] = values["status"] or EstablishmentStatus.OPEN
    errors = {}
    _check_rest(values, errors)
    check_place(actor, values, errors)
    _check_licence(values, errors, instance)
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def create_establishment(actor, fields):
    values = validate(actor, fields)
    establishment = Establishment(created_by=actor, **values)
    establishment.save()
    log(
        actor,
        Action.CREATE,
        establishment,
        detail={"name": establishment.name, "kind": establishment.kind},
    )
    return establishment


def _plain(value):
    return getattr(value, "pk", value)


def _locked(establishment, version):
    current = Establishment.objects.select_for_update().get(pk=establishment.pk)
    if version is not None and current.version != version:
        raise StaleEstablishment(current)
    return current


@transaction.atomic
def update_establishment(establishment, *, actor, version, fields):
    """Change an establishment; a `version` other than the row's is refused
    with StaleEstablishment and nothing is written."""
    current = _locked(establishment, version)
    values = validate(
        actor, {**{n: getattr(current, n) for n in FIELDS}, **fields}, instance=current
    )
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


def close_establishment(establishment, *, actor, version):
    fields = {"status": EstablishmentStatus.CLOSED}
    return update_establishment(establishment, actor=actor, version=version, fields=fields)


def reopen_establishment(establishment, *, actor, version):
    fields = {"status": EstablishmentStatus.OPEN}
    return update_establishment(establishment, actor=actor, version=version, fields=fields)


# Reading ------------------------------------------------------------------


def with_in_house(queryset):
    """Establishments with `n_in_house`: guests checked in and not out (a subquery)."""
    rows = (
        GuestStay.objects.in_house()
        .filter(establishment=OuterRef("pk"))
        .order_by()
        .values("establishment")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(
        n_in_house=Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))
    )


def district_of(establishment):
    parent = establishment.area.parent
    return parent if parent is not None and parent.level == Level.DISTRICT else None


# PMS keys -----------------------------------------------------------------


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_token(establishment, *, actor, name):
    """A new key for the establishment's PMS: (PmsToken, secret), the secret
    shown once."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Name the key, e.g. the software that uses it.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    prefix = secrets.token_hex(PREFIX_LEN // 2)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = PmsToken.objects.create(
        establishment=establishment,
        name=name,
        prefix=prefix,
        key_hash=hash_secret(secret),
        created_by=actor,
    )
    log(
        actor,
        Action.CREATE,
        token,
        area_path=establishment.area_path,
        object_repr=f"PMS key {name} ({establishment.name})",
    )
    return token, secret


@transaction.atomic
def revoke_token(token, *, actor):
    """Revoke a key (again: nothing changes)."""
    current = PmsToken.objects.select_for_update().select_related("establishment").get(pk=token.pk)
    if current.revoked_at is None:
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        log(
            actor,
            Action.DELETE,
            current,
            area_path=current.establishment.area_path,
            object_repr=f"PMS key {current.name} ({current.establishment.name})",
        )
    return current


def _prefix_of(secret):
    if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, rest = secret[len(TOKEN_PREFIX) :].partition("_")
    if not sep or not rest or len(prefix) != PREFIX_LEN:
        return None
    return prefix


def authenticate_pms(secret):
    """The live key whose secret is `secret` (its establishment selected), or
    None: unknown, malformed or revoked. The hash is compared in constant
    time; last_used_at is written at most once a minute."""
    prefix = _prefix_of(secret)
    if prefix is None:
        return None
    wanted = hash_secret(secret)
    found = None
    for row in PmsToken.objects.select_related("establishment").filter(
        prefix=prefix, revoked_at__isnull=True
    ):
        if hmac.compare_digest(row.key_hash, wanted):
            found = row
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_EVERY:
        PmsToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found


def tokens_of(establishment):
    return PmsToken.objects.filter(establishment=establishment).select_related("created_by")
