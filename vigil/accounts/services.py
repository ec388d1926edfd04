"""Operations that change accounts. Views, the API and commands call these."""

import secrets
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.audit.services import Action, log, serialized
from vigil.core.permissions import CAPABILITIES, MANAGE_ACCOUNTS, REVIEW_ACCOUNT_REQUESTS, may
from vigil.core.scope import in_scope

from .models import AccountRequest, ApiToken, LoginFailure, Task, User

# Exclude 0, O, 1, l, I so that a password read out over the phone or written
# on paper cannot be mistyped.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105


class StaleRecord(Exception):
    """The record changed since the form was opened (optimistic locking)."""

    def __init__(self, current):
        self.current = current
        super().__init__("stale")


def generate_password(length=12):
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def _check_jurisdiction(actor, unit):
    if unit is None or not in_scope(actor, unit.path):
        raise PermissionDenied(_("That jurisdiction is outside your own."))


def _require_admin(actor):
    if not may(actor, MANAGE_ACCOUNTS):
        raise PermissionDenied(_("Only the operations centre manages accounts."))


def _check_facility(actor, facility):
    """A facility manager's facility must be one the administrator can see."""
    from vigil.quarantine.models import Facility

    if (
        facility is not None
        and not Facility.objects.visible_to(actor).filter(pk=facility.pk).exists()
    ):
        raise PermissionDenied(_("That quarantine facility is outside your jurisdiction."))


def _check_establishment(actor, establishment):
    """An establishment's account works for an establishment the actor can see
    (the model by name: vigil.accounts does not import vigil.lodging)."""
    model = apps.get_model("lodging", "Establishment")
    if (
        establishment is not None
        and not model.objects.visible_to(actor).filter(pk=establishment.pk).exists()
    ):
        raise PermissionDenied(_("That establishment is outside your jurisdiction."))


@transaction.atomic
def create_account(
    actor,
    *,
    username,
    full_name,
    tasks,
    jurisdiction,
    phone="",
    unit_name="",
    facility=None,
    establishment=None,
):
    """Create an account and return (user, initial password shown once).

    With `facility`, the account sees that quarantine facility only, and its
    jurisdiction becomes the facility's commune; with `establishment`, that
    accommodation establishment only, in its commune.
    """
    _require_admin(actor)
    _check_facility(actor, facility)
    _check_establishment(actor, establishment)
    if facility is not None:
        jurisdiction = facility.area
    if establishment is not None:
        jurisdiction = establishment.area
    _check_jurisdiction(actor, jurisdiction)
    password = generate_password()
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        unit_name=unit_name,
        tasks=sorted(set(tasks)),
        jurisdiction=jurisdiction,
        facility=facility,
        establishment=establishment,
        must_change_password=True,  # the issued password was seen by the administrator
    )
    user.set_password(password)
    user.save()
    detail = {"tasks": user.tasks}
    if facility is not None:
        detail["facility"] = facility.pk
    if establishment is not None:
        detail["establishment"] = establishment.pk
    log(actor, Action.CREATE, user, area_path=user.jurisdiction_path, detail=detail)
    return user, password


@transaction.atomic
def update_account(actor, user, *, version, **fields):
    """Change an account's details; refuses a form opened before another change.

    A `facility` (or None to clear it) makes the account a facility manager's
    that sees that quarantine facility only; its jurisdiction follows it. So
    does an `establishment` (an accommodation establishment's account).
    """
    _require_admin(actor)
    if fields.get("facility") is not None:
        _check_facility(actor, fields["facility"])
        fields["jurisdiction"] = fields["facility"].area
    if fields.get("establishment") is not None:
        _check_establishment(actor, fields["establishment"])
        fields["jurisdiction"] = fields["establishment"].area
    if "jurisdiction" in fields:
        _check_jurisdiction(actor, fields["jurisdiction"])
    current = User.objects.select_for_update().get(pk=user.pk)
    if current.version != version:
        raise StaleRecord(current)
    before = {k: _plain(getattr(current, k)) for k in fields}
    for key, value in fields.items():
        setattr(current, key, sorted(set(value)) if key == "tasks" else value)
    current.version += 1
    current.save()
    after = {k: _plain(getattr(current, k)) for k in fields}
    changed = {k: [before[k], after[k]] for k in fields if before[k] != after[k]}
    log(actor, Action.CHANGE, current, area_path=current.jurisdiction_path, detail=changed)
    return current


def _plain(value):
    return getattr(value, "pk", value)


@transaction.atomic
def set_active(actor, user, active, reason=""):
    """Enable or disable an account. Disabling revokes its API tokens and ends
    its sessions: enabling it again revives neither."""
    _require_admin(actor)
    if user.pk == actor.pk and not active:
        raise PermissionDenied(_("You cannot disable your own account."))
    User.objects.filter(pk=user.pk).update(is_active=active, version=user.version + 1)
    user.refresh_from_db()
    detail = {"is_active": active, "reason": reason}
    if not active:
        detail.update(tokens_revoked=revoke_all_tokens(user), sessions_ended=end_sessions(user))
    log(actor, Action.CHANGE, user, area_path=user.jurisdiction_path, detail=detail)
    return user


@transaction.atomic
def reset_password(actor, user):
    """A new password for `user`, shown once; their API tokens are revoked and
    their sessions end."""
    _require_admin(actor)
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    detail = {
        "password": "reset",
        "tokens_revoked": revoke_all_tokens(user),
        "sessions_ended": end_sessions(user),
    }
    log(actor, Action.CHANGE, user, area_path=user.jurisdiction_path, detail=detail)
    return password


@transaction.atomic
def file_request(actor, *, full_name, phone, task, jurisdiction, note="", establishment=None):
    """A unit leader asks for an account for a member of their unit; for an
    accommodation establishment's account, `establishment` says which one
    (visible to the leader, inside `jurisdiction`)."""
    if not may(actor, REVIEW_ACCOUNT_REQUESTS):
        raise PermissionDenied(_("Only unit leaders can request accounts."))
    _check_jurisdiction(actor, jurisdiction)
    if task == Task.ESTABLISHMENT:
        _check_establishment(actor, establishment)
        if establishment is None or not establishment.area_path.startswith(jurisdiction.path):
            raise PermissionDenied(_("Choose an establishment inside the jurisdiction."))
    else:
        establishment = None
    req = AccountRequest.objects.create(
        requested_by=actor,
        full_name=full_name,
        phone=phone,
        task=task,
        jurisdiction=jurisdiction,
        establishment=establishment,
        note=note,
    )
    log(actor, Action.CREATE, req, object_repr=f"{full_name} ({task})")
    return req


def suggest_username(full_name, phone):
    """'Nguyễn Văn Đức', '0905123456' -> 'ducnv.3456' (free in the database)."""
    from vigil.core.text import fold

    parts = fold(full_name).split() or ["user"]
    base = parts[-1] + "".join(p[0] for p in parts[:-1])
    base = f"{base}.{phone[-4:]}" if phone else base
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def capabilities_of(task):
    """Labels of what an account of this task group may do (the permission
    registry), for the approval screen."""
    return [str(cap.label) for cap in CAPABILITIES.values() if task in cap.tasks]


@transaction.atomic
def approve_request(actor, req, username=None):
    """Approve a pending request: creates the account. Returns (user, password)."""
    _require_admin(actor)
    req = AccountRequest.objects.select_for_update().get(pk=req.pk)
    if req.status != AccountRequest.Status.PENDING:
        raise StaleRecord(req)
    user, password = create_account(
        actor,
        username=username or suggest_username(req.full_name, req.phone),
        full_name=req.full_name,
        phone=req.phone,
        tasks=[req.task],
        jurisdiction=req.jurisdiction,
        establishment=req.establishment if req.task == Task.ESTABLISHMENT else None,
    )
    req.status = AccountRequest.Status.APPROVED
    req.decided_by, req.decided_at, req.created_user = actor, timezone.now(), user
    req.save()
    log(actor, Action.CHANGE, req, detail={"status": req.status, "user": user.username})
    return user, password


@transaction.atomic
def reject_request(actor, req, note):
    _require_admin(actor)
    req = AccountRequest.objects.select_for_update().get(pk=req.pk)
    if req.status != AccountRequest.Status.PENDING:
        raise StaleRecord(req)
    req.status = AccountRequest.Status.REJECTED
    req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note
    req.save()
    log(actor, Action.CHANGE, req, detail={"status": req.status, "note": note})
    return req


# Login throttling ---------------------------------------------------------
#
# Failures are counted per (account, address), LOGIN_FAILURES_PER_ACCOUNT of
# them refusing that pair only, and per address across accounts,
# LOGIN_FAILURES_PER_ADDRESS refusing that address: nobody can lock an account
# out from somewhere else by guessing its username. An attempt is counted
# before its password is checked, under a lock, and stays counted unless it
# succeeds, so a burst of simultaneous attempts has exactly the limit checked.
# Pages, the API and other ways of logging in (second factor, SSO) call
# `begin_login_attempt` before checking a secret and `login_succeeded` after.


class LoginThrottled(Exception):
    """Too many failures for this account from this address, or from this address."""

    def __init__(self):
        super().__init__("throttled")
        self.minutes = settings.LOGIN_FAILURE_WINDOW_MINUTES


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _login_key(username):
    return (username or "").lower()[:150]


def begin_login_attempt(username, ip):
    """Count an attempt at `username` from `ip` (the client's address, see
    vigil.audit.services.client_ip) as a failure; LoginThrottled, counting
    nothing, when the pair or the address has no tries left."""
    username, ip = _login_key(username), ip or None
    # Old rows serve no purpose; pruning here keeps the table tiny without a cron job.
    LoginFailure.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()
    with serialized(f"login:{ip}:{username}", f"login:{ip}"):
        recent = LoginFailure.objects.filter(at__gte=_window_start(), ip=ip)
        if recent.filter(username=username).count() >= settings.LOGIN_FAILURES_PER_ACCOUNT:
            raise LoginThrottled
        if ip and recent.count() >= settings.LOGIN_FAILURES_PER_ADDRESS:
            raise LoginThrottled
        LoginFailure.objects.create(username=username, ip=ip)


def login_succeeded(username, ip):
    """The secret was right: forget this pair's failures (which also gives
    the address back the tries they used)."""
    LoginFailure.objects.filter(username=_login_key(username), ip=ip or None).delete()


# Ending what an account left open -------------------------------------------


def end_sessions(user, keep=None):
    """Delete every session of `user` but the one whose key is `keep`."""
    from django.contrib.sessions.models import Session

    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.session_key != keep
        and session.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def revoke_all_tokens(user):
    """Revoke every live API token of `user`; the number revoked."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


@transaction.atomic
def password_changed(user, keep_session=None):
    """The owner changed their password: their API tokens are revoked and
    their other sessions end (the current one, `keep_session`, stays). A
    password an administrator issued is now replaced."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    tokens = revoke_all_tokens(user)
    sessions = end_sessions(user, keep=keep_session)
    log(
        user,
        Action.CHANGE,
        user,
        area_path=user.jurisdiction_path,
        detail={"password": "changed", "tokens_revoked": tokens, "sessions_ended": sessions},
    )


# API tokens -----------------------------------------------------------------


@transaction.atomic
def create_token(user, name):
    token, secret = ApiToken.issue(user, name)
    log(user, Action.CREATE, token, object_repr=f"API token {name}")
    return token, secret


def authenticate_token(secret):
    """The live token whose secret is `secret`, of an active account, or None.
    Records when it was last used: one write a minute at most, so that a busy
    mobile client does not turn every read into a write."""
    try:
        row = ApiToken.objects.select_related("user").get(
            key_hash=ApiToken.hash(secret), revoked_at__isnull=True
        )
    except ApiToken.DoesNotExist:
        return None
    if not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


@transaction.atomic
def revoke_token(user, token):
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        log(user, Action.DELETE, token, object_repr=f"API token {token.name}")
    return token


# Account requests: who sees which -------------------------------------------


def requests_for(user, status=None):
    """The account requests `user` may read: those of their jurisdiction for
    whoever manages accounts, their own requests for a unit leader; only
    those in `status` when it is one of AccountRequest.Status."""
    qs = AccountRequest.objects.visible_to(user).select_related(
        "jurisdiction", "requested_by", "establishment"
    )
    if not may(user, MANAGE_ACCOUNTS):
        qs = qs.filter(requested_by=user)
    if status in AccountRequest.Status.values:
        qs = qs.filter(status=status)
    return qs
