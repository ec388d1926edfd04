"""Concentrated quarantine facilities, bed by bed, and the stays in them (R-Q1..R-Q4)."""

from django.conf import settings
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.scope import ScopedQuerySet


class FacilityKind(models.TextChoices):
    MEDICAL = "medical", _("Medical facility")
    CONCENTRATED = "concentrated", _("Concentrated quarantine area")
    PAID = "paid", _("Paid service facility (hotel)")


class FacilityQuerySet(ScopedQuerySet):
    facility_field = "pk"


class Facility(models.Model):
    kind = models.CharField(_("type"), max_length=16, choices=FacilityKind.choices)
    name = models.CharField(_("name"), max_length=200)
    area = models.ForeignKey(
        "areas.AdminUnit", verbose_name=_("commune"), on_delete=models.PROTECT, related_name="+"
    )
    area_path = models.CharField(max_length=128, db_index=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    quarantine_days = models.PositiveSmallIntegerField(
        _("quarantine days"),
        null=True,
        blank=True,
        help_text=_("Empty: the default for this type of facility."),
    )
    active = models.BooleanField(_("in use"), default=True)
    # The rule of the time (§II.9): nobody leaves concentrated quarantine as
    # "completed" without a negative test during the stay. On for every kind
    # by default, a hotel's paid quarantine included; CDC may turn it off.
    negative_test_to_end = models.BooleanField(
        _("a negative test is needed to end a stay"),
        default=True,
        help_text=_(
            "Ending a stay as completed without a negative test during the stay then "
            "needs a reason and a confirmation."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = FacilityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.area_path = self.area.path
        super().save(*args, **kwargs)

    def default_days(self):
        """Planned length of a stay: the facility's own, else its type's, else the default."""
        if self.quarantine_days:
            return self.quarantine_days
        return settings.VIGIL_QUARANTINE_DAYS_BY_KIND.get(self.kind, settings.VIGIL_QUARANTINE_DAYS)


class Building(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("building"), max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="quarantine_building_name")
        ]

    def __str__(self):
        return self.name


class Room(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="rooms")
    name = models.CharField(_("room"), max_length=50)
    floor = models.SmallIntegerField(_("floor"), default=1)

    class Meta:
        ordering = ["floor", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="quarantine_room_name")
        ]

    def __str__(self):
        return f"{self.building.name}-{self.name}"


class Bed(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="beds")
    label = models.CharField(_("bed"), max_length=20)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["room", "label"]
        constraints = [
            models.UniqueConstraint(fields=["room", "label"], name="quarantine_bed_room_label")
        ]

    def __str__(self):
        return f"{self.room}-{self.label}"


class Outcome(models.TextChoices):
    COMPLETED = "completed", _("Completed")
    HOSPITAL = "hospital", _("Transferred to hospital")
    POSITIVE = "positive", _("Tested positive")
    OTHER = "other", _("Other")


class StayQuerySet(ScopedQuerySet):
    facility_field = "facility"

    def open(self):
        return self.filter(end_date__isnull=True)

    def ended(self):
        return self.filter(end_date__isnull=False)

    def with_tests(self, user):
        """'Số lần XN' (`n_tests`) and the latest result (`latest_result`) of the
        tests `user` may see, as subqueries: one query for the page, and the
        paginator's COUNT stays a plain count (an aggregate over a join would
        make it group every stay)."""
        from vigil.testing.models import TestResult

        tests = TestResult.objects.visible_to(user).filter(person=OuterRef("person_id")).order_by()
        return self.annotate(
            n_tests=Coalesce(
                Subquery(
                    tests.values("person").annotate(n=Count("id")).values("n"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
            latest_result=Subquery(tests.order_by("-sample_date", "-id").values("result")[:1]),
        )


class Stay(models.Model):
    """One person's stay in a facility ("Nhập khu cách ly" → "Hết cách ly").

    The database itself guarantees that a bed holds one person at a time and
    that a person is in one facility at a time (partial unique indexes over
    the open stays), so two managers assigning the same bed at once cannot
    both succeed.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="stays")
    declaration = models.ForeignKey(
        "declarations.Declaration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stays",
    )
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="stays")
    area_path = models.CharField(max_length=128, db_index=True)
    bed = models.ForeignKey(Bed, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("start date"), db_index=True)
    planned_end = models.DateField(_("planned end"), db_index=True)
    end_date = models.DateField(_("end date"), null=True, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    end_note = models.CharField(_("note"), max_length=300, blank=True)
    intake_answers = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = StayQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bed"],
                condition=Q(end_date__isnull=True, bed__isnull=False),
                name="quarantine_one_person_per_bed",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True),
                name="quarantine_one_open_stay_per_person",
            ),
        ]
        indexes = [models.Index(fields=["facility", "end_date"], name="quarantine_stay_open")]

    def __str__(self):
        return f"{self.person} @ {self.facility}"

    def save(self, *args, **kwargs):
        self.area_path = self.facility.area_path
        super().save(*args, **kwargs)

    @property
    def days_remaining(self):
        if self.end_date:
            return None
        return (self.planned_end - timezone.localdate()).days


class StayAction(models.TextChoices):
    INTAKE = "intake", _("Taken in")
    MOVE = "move", _("Moved")
    EXTEND = "extend", _("Extended")
    END = "end", _("Ended")


class StayEvent(models.Model):
    """One step of a stay (R-Q3): intake, move, extension, end; who, when, from what, to what."""

    stay = models.ForeignKey(Stay, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16, choices=StayAction.choices)
    from_data = models.JSONField(default=dict, blank=True)
    to_data = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.stay_id} {self.action}"
