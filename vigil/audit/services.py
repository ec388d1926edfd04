"""Writing the audit trail. Call inside the transaction of the change it records."""

from .models import Action, AuditEvent


def client_ip(request):
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
    return AuditEvent.objects.create(
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
