import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.scope import ScopedQuerySet
from vigil.core.tasks import Task

__all__ = ["Task", "User", "ApiToken", "AccountRequest"]


class UserQuerySet(ScopedQuerySet):
    scope_field = "jurisdiction_path"


class VigilUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A staff account. Citizens do not have accounts: they use phone + OTP.

    `jurisdiction` is the administrative unit the account works in; its path is
    copied to `jurisdiction_path` so that "which accounts can this administrator
    manage" is the same prefix query as every other scoped read.
    """

    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    unit_name = models.CharField(_("work unit"), max_length=200, blank=True)
    tasks = models.JSONField(_("task groups"), default=list, blank=True)
    jurisdiction = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("jurisdiction"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    jurisdiction_path = models.CharField(max_length=128, blank=True, db_index=True)
    facility = models.ForeignKey(
        "quarantine.Facility",
        verbose_name=_("quarantine facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managers",
        help_text=_("For a facility manager: the account sees only this facility."),
    )
    establishment = models.ForeignKey(
        "lodging.Establishment",
        verbose_name=_("accommodation establishment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        help_text=_("For an establishment's reception: the account sees only its guests."),
    )
    version = models.PositiveIntegerField(default=1)
    # Set when an administrator issues a password (a new account, a reset):
    # the person must replace it before anything else (ForcePasswordChange).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    objects = VigilUserManager()

    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["username"]

    def __str__(self):
        return f"{self.full_name} ({self.username})" if self.full_name else self.username

    def save(self, *args, **kwargs):
        if self.facility_id:
            # A facility manager works where the facility is.
            self.jurisdiction = self.facility.area
        if self.establishment_id:
            # So does an establishment's account.
            self.jurisdiction = self.establishment.area
        self.jurisdiction_path = self.jurisdiction.path if self.jurisdiction_id else ""
        super().save(*args, **kwargs)

    def has_task(self, *tasks):
        """True when the account holds at least one of `tasks`."""
        return self.is_active and any(t in self.tasks for t in tasks)

    def task_labels(self):
        labels = dict(Task.choices)
        return [labels.get(t, t) for t in self.tasks]

    @property
    def scope_area_path(self):
        return self.jurisdiction_path


class AccountRequest(models.Model):
    """A unit leader asks the operations centre for an account for a member (R-U1)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    full_name = models.CharField(_("full name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20)
    task = models.CharField(_("task group"), max_length=32, choices=Task.choices)
    jurisdiction = models.ForeignKey(
        "areas.AdminUnit", verbose_name=_("jurisdiction"), on_delete=models.PROTECT
    )
    establishment = models.ForeignKey(
        "lodging.Establishment",
        verbose_name=_("accommodation establishment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("For an establishment's account: the establishment it works for."),
    )
    area_path = models.CharField(max_length=128, db_index=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.full_name} ({self.get_task_display()})"

    def save(self, *args, **kwargs):
        self.area_path = self.jurisdiction.path
        super().save(*args, **kwargs)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the secret is stored."""

    PREFIX_LEN = 8

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=PREFIX_LEN, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} (vgl_{self.prefix}…)"

    @staticmethod
    def hash(secret):
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def issue(cls, user, name):
        """Create a token; returns (token, secret). The secret is shown once."""
        secret = "vgl_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, prefix=secret[4 : 4 + cls.PREFIX_LEN], key_hash=cls.hash(secret)
        )
        return token, secret

    @property
    def is_active(self):
        return self.revoked_at is None


class LoginFailure(models.Model):
    """One failed login, kept for throttling per account and per address."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.username} from {self.ip} at {self.at:%Y-%m-%d %H:%M}"


from .models_2fa import RecoveryCode, TwoFactorDevice  # noqa: E402, F401  (second factor)
