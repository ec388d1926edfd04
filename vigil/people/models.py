from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.choices import QuickDisplay
from vigil.core.masking import mask_id_number, mask_phone
from vigil.core.scope import ScopedQuerySet
from vigil.core.text import fold


class IdKind(models.TextChoices):
    CMND = "cmnd", _("ID card (CMND, 9 digits)")
    CCCD = "cccd", _("Citizen ID (CCCD, 12 digits)")
    PASSPORT = "passport", _("Passport")
    BIRTH_CERT = "birth_cert", _("Birth certificate")
    OTHER = "other", _("Other / none")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")


class PersonQuerySet(ScopedQuerySet):
    facility_field = "stays__facility"
    establishment_field = "guest_stays__establishment"


class Person(QuickDisplay, models.Model):
    """The identity behind every event: declarations, tests, stays, cases.

    `area` is the commune (or village) the person lives at or arrives at in the
    province; `area_path` copies its path for jurisdiction. `search_key` is the
    folded full name used by the staff search on every database.
    """

    id_number = models.CharField(_("ID number"), max_length=20, blank=True, db_index=True)
    id_kind = models.CharField(_("ID kind"), max_length=16, choices=IdKind.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    full_name = models.CharField(_("full name"), max_length=200)
    search_key = models.CharField(max_length=200, db_index=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=200, blank=True)
    area = models.ForeignKey(
        "areas.AdminUnit", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=128, db_index=True)
    address = models.CharField(_("street address"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["search_key", "id"]
        constraints = [
            # One Person per ID number (R-P2), also when two channels create
            # the same new person at the same instant: the loser of the race
            # gets an IntegrityError and reuses the winner
            # (vigil.people.services.save_new_person). Numbers are stored in
            # normal form (validators.normalize_id_number); "" is "no number".
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~models.Q(id_number=""),
                name="person_unique_id_number",
            ),
        ]
        indexes = [
            # The people of a scope from the index alone: they are spread over
            # the whole table, a commune's 16,000 over 13,000 pages at 2M.
            models.Index(
                fields=["area_path", "id"],
                name="people_scope_id",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # A province's people in id order with their scope, from the
            # index alone: the test lists' counts merge them with the results
            # and the declarations by person (testing.queries.count_people),
            # where the primary key read every person's row for its path
            # (province "tested" at 10M: 23 -> 13 ms).
            models.Index(
                fields=["id", "area_path"],
                name="people_id_scope",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_key = fold(self.full_name)
        self.area_path = self.area.path
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)
