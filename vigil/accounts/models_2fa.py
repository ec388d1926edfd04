"""Second factor of staff accounts: a TOTP authenticator and recovery codes
(the rules are in `vigil.accounts.twofactor`)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TwoFactorDevice(models.Model):
    """An account's authenticator app (RFC 6238 TOTP, 6 digits, 30 seconds).

    The row exists only once the account confirmed it with a code: enrolment
    keeps the secret it offers in the session until then. The secret itself
    must stay readable to check codes (as in every TOTP server); the recovery
    codes are hashed like passwords.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor"
    )
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(_("enabled on"), default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The time step of the last code accepted: a code is good once (RFC 6238 §5.2).
    last_timecode = models.BigIntegerField(default=0)
    # Wrong codes in a row, and the end of the wait they caused.
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("two-step verification")

    def __str__(self):
        return f"TOTP {self.user}"


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator (phone lost)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="recovery_code_unused")]

    def __str__(self):
        return f"recovery code of {self.user}"
