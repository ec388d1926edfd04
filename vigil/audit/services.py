"""Writing the audit trail. Call inside the transaction of the change it records.

Also the two things every limit and audit row shares: the client's address
behind the reverse proxies (`client_ip`), and a transaction that serializes
the requests counting against one limit (`serialized`).
"""

import hashlib
import ipaddress
from contextlib import contextmanager
from functools import lru_cache

from django.conf import settings
from django.db import connection, transaction

from vigil.core import inserts

from .models import Action, AuditEvent


@lru_cache(maxsize=8)
def _networks(proxies):
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address, networks):
    return address is not None and any(address in net for net in networks)


def client_ip(request):
    """The address of the client behind `request`, as text, or None.

    The peer (REMOTE_ADDR) unless it is one of VIGIL_TRUSTED_PROXIES; then
    X-Forwarded-For is read from the right (each proxy appends the address it
    received the request from) and the first address that is not a trusted
    proxy is the client. Anything left of it is whatever the client chose to
    send, and is ignored.
    """
    if request is None:
        return None
    peer = request.META.get("REMOTE_ADDR") or None
    networks = _networks(tuple(settings.VIGIL_TRUSTED_PROXIES))
    if not networks or not _trusted(_address(peer or ""), networks):
        return peer
    client = peer
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for item in reversed([i for i in forwarded.split(",") if i.strip()]):
        address = _address(item)
        if address is None:
            # A broken chain: keep the last hop a trusted proxy vouched for.
            break
        client = str(address)
        if not _trusted(address, networks):
            break
    return client


def _lock_key(name):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def serialized(*names):
    """A transaction that holds an exclusive lock on each of `names` until it
    ends, for "count the recent attempts, then record this one" to hold
    exactly under a burst. PostgreSQL: transaction-level advisory locks, taken
    in one order (no deadlock between two callers); SQLite: its one writer at
    a time (transactions begin IMMEDIATE, see settings)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for key in sorted({_lock_key(n) for n in names}):
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        yield


def log(request_or_user, action, obj=None, *, detail=None, area_path=None, object_repr=None):
    """Record one audit event.

    `request_or_user` is the request (preferred: it gives the address) or a
    user for work done outside a request (management commands, tasks).
    """
    request = request_or_user if hasattr(request_or_user, "META") else None
    user = getattr(request, "user", None) if request is not None else request_or_user
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if area_path is None:
        area_path = getattr(obj, "area_path", "") or getattr(user, "jurisdiction_path", "") or ""
    event = AuditEvent(
        actor=user,
        actor_name=getattr(user, "username", "") if user else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else str(obj) if obj else "")[:300],
        area_path=area_path,
        detail=detail or {},
        ip=client_ip(request),
    )
    inserts.save_new(event)  # save(force_insert=True), its SQL text built once
    return event


def last_change(obj):
    """The latest change event of `obj`, for "changed by X at HH:MM" messages."""
    return (
        AuditEvent.objects.filter(
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            action__in=[Action.CHANGE, Action.CREATE],
        )
        .order_by("-at", "-id")
        .first()
    )


def stale_message(obj):
    """'This record was changed by X at HH:MM, review it and save again.'"""
    from django.utils.formats import date_format
    from django.utils.timezone import localtime
    from django.utils.translation import gettext as _

    event = last_change(obj)
    return _("This record was changed by %(who)s at %(time)s, review it and save again.") % {
        "who": event.actor_name if event and event.actor_name else _("another user"),
        "time": date_format(localtime(event.at), "H:i") if event else "",
    }


__all__ = ["Action", "last_change", "log", "stale_message"]
