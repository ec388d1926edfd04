"""Accommodation establishments and their guests (R-A1, R-A2, seed §II.2).

Hotels, guest houses and homestays register each guest's stay together with
the guest's health declaration: an existing declaration is linked, never
asked again (R-P2); a guest with none declares at the reception (channel
"establishment"). The commune's police see the establishments of their
jurisdiction, who is staying tonight and who has not declared.

Jurisdiction: an establishment and its guest stays belong to the
establishment's commune (`area_path`). An establishment's own accounts
(`User.establishment`) see only that establishment: its guests, and the
declarations and people linked to them (`establishment_field`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vigil.core.scope import ScopedQuerySet


class EstablishmentKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    GUEST_HOUSE = "guest_house", _("Guest house")
    HOMESTAY = "homestay", _("Homestay")
    DORMITORY = "dormitory", _("Dormitory")
    OTHER = "other", _("Other")


class EstablishmentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("establishment", "Open")
    CLOSED = "closed", pgettext_lazy("establishment", "Closed")


class EstablishmentQuerySet(ScopedQuerySet):
    establishment_field = "pk"

    def open(self):
        return self.filter(status=EstablishmentStatus.OPEN)


class Establishment(models.Model):
    """An accommodation establishment ("cơ sở lưu trú")."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=EstablishmentKind.choices)
    licence_number = models.CharField(_("licence number"), max_length=64, blank=True)
    area = models.ForeignKey(
        "areas.AdminUnit", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("village / residential group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area_path = models.CharField(max_length=128, db_index=True)
    address = models.CharField(_("house number, street"), max_length=300, blank=True)
    rooms = models.PositiveIntegerField(_("number of rooms"), null=True, blank=True)
    phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EstablishmentStatus.choices,
        default=EstablishmentStatus.OPEN,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.area_path = (self.village or self.area).path
        super().save(*args, **kwargs)


class GuestStayQuerySet(ScopedQuerySet):
    establishment_field = "establishment"

    def in_house(self):
        return self.filter(check_out__isnull=True)

    def checked_out(self):
        return self.filter(check_out__isnull=False)


class StaySource(models.TextChoices):
    RECEPTION = "reception", _("Reception")
    GROUP = "group", _("Group check-in")
    PAPER = "paper", _("Paper register")
    PMS = "pms", _("Property-management system")


class GuestStay(models.Model):
    """One guest's stay at an establishment ("Khách lưu trú"): check-in,
    room, planned and actual check-out, and the guest's declaration."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="guest_stays"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="guest_stays"
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guest_stays",
    )
    # A copy of the declaration's risk colour (NULL without one), kept by
    # database triggers for the police view's counts (vigil/lodging/colour.py).
    declaration_colour = models.CharField(max_length=8, null=True, blank=True, editable=False)
    area_path = models.CharField(max_length=128, db_index=True)
    room = models.CharField(_("room"), max_length=32, blank=True)
    check_in = models.DateTimeField(_("check-in"), default=timezone.now, db_index=True)
    planned_check_out = models.DateField(_("planned check-out"), null=True, blank=True)
    check_out = models.DateTimeField(_("check-out"), null=True, blank=True, db_index=True)
    group_code = models.CharField(_("group"), max_length=32, blank=True)
    # A foreign guest's nationality (the passport's country), for the police
    # register and the statistics; empty for Vietnamese guests.
    nationality = models.ForeignKey(
        "areas.Country",
        verbose_name=_("nationality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField(
        max_length=16, choices=StaySource.choices, default=StaySource.RECEPTION
    )
    # A PMS's idempotency key: a retried batch finds its stays, creates none.
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = GuestStayQuerySet.as_manager()

    class Meta:
        ordering = ["-check_in", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="lodging_stay_idempotency",
            ),
            models.CheckConstraint(
                condition=Q(check_out__isnull=True) | Q(check_out__gte=models.F("check_in")),
                name="lodging_check_out_after_check_in",
            ),
        ]
        indexes = [
            models.Index(fields=["area_path", "check_in"], name="lodging_stay_scope"),
            # An establishment's register, sorted by check-in, and its last
            # check-in (the police view's idle establishments).
            models.Index(fields=["establishment", "check_in"], name="lodging_stay_register"),
            # Who is in house tonight, per area, establishment and colour: the
            # police view counts them from this index alone.
            models.Index(
                fields=["area_path", "establishment", "declaration_colour"],
                condition=Q(check_out__isnull=True),
                name="lodging_stay_in_house",
            ),
            # Guests in house at two establishments tonight.
            models.Index(
                fields=["person", "establishment"],
                condition=Q(check_out__isnull=True),
                name="lodging_stay_in_house_person",
            ),
        ]

    def __str__(self):
        return f"{self.person} @ {self.establishment}"

    def save(self, *args, **kwargs):
        self.area_path = self.establishment.area_path
        super().save(*args, **kwargs)

    @property
    def nights(self):
        end = self.check_out or timezone.now()
        return max((timezone.localdate(end) - timezone.localdate(self.check_in)).days, 0)


class GuestStayEvent(models.Model):
    """One change of a guest stay: check-in, check-out, an edit (early or late
    check-out, room), who, when, before and after."""

    stay = models.ForeignKey(GuestStay, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_data = models.JSONField(default=dict, blank=True)
    to_data = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.stay_id} {self.action}"


class PmsToken(models.Model):
    """A property-management system's key for one establishment: only the
    hash is kept; the key is shown once."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="pms_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.establishment} {self.name}"
