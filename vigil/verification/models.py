"""Registrations to return ("Đăng ký người về", R-V4, R-V6).

Before travelling, a citizen (or a relative, on their behalf) registers the
planned return; the destination commune approves or rejects it ("Duyệt đăng
ký về địa phương"); the decision is sent to the phone by SMS; once approved,
the registration pre-fills the arrival declaration and points at it.

Identity is kept as typed, not matched to a Person: nobody has arrived yet,
and a registration must not attach itself to someone else's record because
an ID number was typed. The Person is found when the declaration is made.

State changes only through vigil.verification.registrations.
"""

import functools
import operator
import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.phones import normalize_phone
from vigil.core.scope import ScopedQuerySet
from vigil.core.text import fold
from vigil.declarations.models import CODE_LENGTH, Journey, RegistrationKind, new_code
from vigil.people.models import Gender, IdKind


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RegistrationChannel(models.TextChoices):
    WEB = "web", _("Public web (phone + code)")
    APP = "app", _("Mobile app")


class RegistrationQuerySet(ScopedQuerySet):
    def from_phone(self, phone):
        """Registrations this phone submitted (for the person or on their behalf).

        Only the submitting phone counts, never the phone typed for the
        person: typing someone's number must not reveal their registrations.
        """
        return self.filter(submitter_phone=phone)

    def awaiting_decision(self):
        """The approval queue: pending, oldest first."""
        return self.filter(state=RegistrationState.PENDING).order_by("created_at", "id")

    def matching(self, text):
        """Name words (diacritics ignored), or the whole ID number, phone or code."""
        compact = re.sub(r"[\s.\-()]", "", text).lstrip("+").upper()
        conditions = []
        key = fold(text)
        if key and not compact.isdigit():
            conditions.append(
                functools.reduce(
                    operator.and_, (Q(search_key__contains=word) for word in key.split())
                )
            )
        if compact:
            conditions += [Q(id_number=compact), Q(code=compact)]
        phone = normalize_phone(text)
        if phone:
            conditions += [Q(phone=phone), Q(submitter_phone=phone)]
        if not conditions:
            return self.none()
        return self.filter(functools.reduce(operator.or_, conditions))


class Registration(Journey):
    """One planned return to a commune of the province, waiting for its decision.

    Where from, where to (its jurisdiction: the commune that decides) and by
    what means are the fields of vigil.declarations.models.Journey.
    """

    code = models.CharField(_("code"), max_length=CODE_LENGTH, unique=True, default=new_code)

    # The person coming back, as typed.
    full_name = models.CharField(_("full name"), max_length=200)
    search_key = models.CharField(max_length=200, db_index=True)
    id_kind = models.CharField(_("ID kind"), max_length=16, choices=IdKind.choices)
    id_number = models.CharField(_("ID number"), max_length=20, blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, db_index=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)

    # Who registered: the phone that proved itself with an SMS code.
    channel = models.CharField(_("channel"), max_length=8, choices=RegistrationChannel.choices)
    submitter_phone = models.CharField(max_length=20, db_index=True)
    is_proxy = models.BooleanField(_("registered on behalf of someone"), default=False)
    proxy_relation = models.CharField(_("relation of the registrant"), max_length=100, blank=True)

    # Why.
    registration_kind = models.CharField(
        _("reason for returning"), max_length=16, choices=RegistrationKind.choices
    )
    student_code = models.CharField(_("student code"), max_length=40, blank=True)
    school = models.CharField(_("school"), max_length=200, blank=True)

    # The journey planned.
    arrival_date = models.DateField(_("planned arrival date"), db_index=True)
    transport_number = models.CharField(_("plate or flight number"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)

    # The decision.
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=RegistrationState.choices,
        default=RegistrationState.PENDING,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reason / note of the decision"), blank=True)

    # The arrival declaration made from it, once the person came back.
    declaration = models.OneToOneField(
        "declarations.Declaration",
        verbose_name=_("arrival declaration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration_to_return",
    )

    idempotency_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["area_path", "state", "created_at"], name="reg_scope_state"),
        ]

    def __str__(self):
        return f"{self.code} {self.full_name}"

    def save(self, *args, **kwargs):
        self.search_key = fold(self.full_name)
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    @property
    def may_declare(self):
        """Approved and not yet used for an arrival declaration."""
        return self.state == RegistrationState.APPROVED and self.declaration_id is None


EVENT_LABELS = {
    "submitted": _("Registered"),
    "approve": _("Registration approved"),
    "reject": _("Registration rejected"),
    "declared": _("Arrival declared from the registration"),
}


class RegistrationEvent(models.Model):
    """One change of a registration (R-V5): who, when, from, to, why."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.registration_id} {self.action} {self.from_state}→{self.to_state}"

    @property
    def label(self):
        return EVENT_LABELS.get(self.action, self.action)
