"""Epidemiological investigation (R-E1..R-E5): cases and contacts, the chain
of source links between them, outbreaks, itineraries, attachments and the
medical monitoring of people under surveillance.

The chain lives in one place: `CaseLink` rows (a contact and one of its
sources). A case record's `level` (0 for F0, 1 for F1, ...) is derived from
the links by `vigil.investigation.chain` and stored only so that lists can
filter and sort on it at a million rows; nothing else writes it.

Jurisdiction: a case record belongs to two places, where it was detected
(`area_path`) and where the person lives (`residence_path`). Both communes work
on it (the one that detected it investigates, the home commune monitors and
quarantines), so either one's scope sees it (`CaseQuerySet.visible_to`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.scope import ScopedQuerySet


class CaseKind(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed case (F0)")
    CONTACT = "contact", _("Contact")


class Classification(models.TextChoices):
    IMPORTED = "imported", _("Imported case")
    COMMUNITY = "community", _("Community case")
    IN_QUARANTINE = "in_quarantine", _("Detected in quarantine")
    UNKNOWN = "unknown", _("Under investigation")


class ContactType(models.TextChoices):
    RELATED_CASE = "related_case", _("Contact of a related case")
    HOUSEHOLD = "household", _("Same household")
    WORKPLACE = "workplace", _("Workplace or school")
    VEHICLE = "vehicle", _("Same flight or vehicle")
    HEALTHCARE = "healthcare", _("Health care")
    COMMUNITY = "community", _("Community gathering")
    OUTBREAK_PLACE = "outbreak_place", _("Was at an outbreak location")
    OTHER = "other", _("Other")


class QuarantinePlace(models.TextChoices):
    CONCENTRATED = "concentrated", _("Concentrated quarantine area")
    MEDICAL = "medical", _("Medical facility")
    PAID = "paid", _("Paid service facility (hotel)")
    HOME = "home", _("At home")


class OutbreakStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class OutbreakQuerySet(ScopedQuerySet):
    def active_on(self, day):
        return self.filter(opened_on__lte=day).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=day)
        )


class Outbreak(models.Model):
    """An outbreak location ("Ổ dịch", R-E2): a place in a commune (and its
    village) where cases cluster, open from `opened_on` until `closed_on`."""

    name = models.CharField(_("name"), max_length=200)
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
    address = models.CharField(_("address"), max_length=300, blank=True)
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=OutbreakStatus.choices, default=OutbreakStatus.ACTIVE
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = OutbreakQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_on", "name", "id"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.area_path = (self.village or self.area).path
        super().save(*args, **kwargs)


class CaseQuerySet(ScopedQuerySet):
    # Seen from the commune that detected it and from the person's home commune.
    extra_scope_fields = ("residence_path",)
    facility_field = "facility"

    def confirmed(self):
        return self.filter(kind=CaseKind.CONFIRMED)

    def contacts(self):
        return self.filter(kind=CaseKind.CONTACT)


class Case(models.Model):
    """A person's case record in the tracing ("Truy vết dịch bệnh", R-E1): a
    confirmed case (F0) or a contact. One per person; their declarations,
    tests and stays stay on the Person."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.PROTECT, related_name="case_record"
    )
    code = models.CharField(_("case code"), max_length=32, blank=True, db_index=True)
    kind = models.CharField(_("case type"), max_length=16, choices=CaseKind.choices)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, blank=True
    )
    contact_type = models.CharField(
        _("contact type"), max_length=16, choices=ContactType.choices, blank=True
    )
    # Derived from the chain (vigil.investigation.chain): 0 for F0, n for Fn,
    # None for a contact with no confirmed case above it.
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True, db_index=True)
    sources = models.ManyToManyField(
        "self", through="CaseLink", symmetrical=False, related_name="contacts"
    )
    onset_date = models.DateField(_("symptom onset"), null=True, blank=True)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    residence = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("permanent residence"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    residence_path = models.CharField(max_length=128, db_index=True)
    residence_street = models.CharField(_("house number, street"), max_length=300, blank=True)
    detection = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("place of detection"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    area_path = models.CharField(max_length=128, db_index=True)
    investigation_date = models.DateField(_("investigation date"), null=True, blank=True)
    quarantine_date = models.DateField(_("quarantine date"), null=True, blank=True)
    quarantine_place = models.CharField(
        _("quarantine facility type"), max_length=16, choices=QuarantinePlace.choices, blank=True
    )
    facility = models.ForeignKey(
        "quarantine.Facility",
        verbose_name=_("quarantine facility"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outbreak = models.ForeignKey(
        Outbreak,
        verbose_name=_("outbreak"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    # When someone sent the person to `facility`: they are on its "to take in"
    # worklist until a stay begins there on or after that day.
    sent_to_facility_at = models.DateTimeField(null=True, blank=True)
    # Set when a level change (a cascade) moved this record and its communes
    # have not acted on it yet: the "reclassified" worklist.
    reclassified_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~Q(code=""), name="investigation_case_code"
            ),
        ]
        indexes = [
            models.Index(fields=["area_path", "created_at"], name="investigation_case_scope"),
            models.Index(fields=["residence_path", "created_at"], name="investigation_case_home"),
            models.Index(
                fields=["reclassified_at"],
                condition=Q(reclassified_at__isnull=False),
                name="investigation_reclassified",
            ),
        ]

    def __str__(self):
        return f"{self.level_label} {self.code or self.person}"

    def save(self, *args, **kwargs):
        self.area_path = self.detection.path
        self.residence_path = self.residence.path
        super().save(*args, **kwargs)

    @property
    def level_label(self):
        return "F?" if self.level is None else f"F{self.level}"


class CaseLink(models.Model):
    """One edge of the chain: `contact` was in contact with `source`."""

    contact = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contact_links")
    contact_date = models.DateField(_("last contact date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "source"], name="investigation_link_once"),
            models.CheckConstraint(
                condition=~Q(contact=models.F("source")), name="investigation_link_not_self"
            ),
        ]
        indexes = [models.Index(fields=["source", "contact"], name="investigation_link_down")]

    def __str__(self):
        return f"{self.contact_id} <- {self.source_id}"


class CaseEvent(models.Model):
    """One change of a case record: created, edited, sources changed, level
    moved by a cascade, reclassified, deleted (kept in the audit log)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
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
        return f"{self.case_id} {self.action}"


class ChainLock(models.Model):
    """One row, locked by every change of the chain's links, so that two
    concurrent edits cannot together close a cycle or cascade over each
    other (`chain.locked`)."""

    class Meta:
        default_permissions = ()

    def __str__(self):
        return "chain lock"


class ItineraryEntry(models.Model):
    """One row of a case's movements (R-E3, "Lịch trình di chuyển")."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="itinerary")
    date = models.DateField(_("date"))
    time = models.TimeField(_("time"), null=True, blank=True)
    description = models.CharField(_("movements"), max_length=500)
    outbreak = models.ForeignKey(
        Outbreak,
        verbose_name=_("outbreak"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    place = models.ForeignKey(
        "areas.AdminUnit",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["date", "time", "id"]

    def __str__(self):
        return f"{self.date} {self.description}"


def attachment_path(instance, filename):
    return f"investigation/{timezone.now():%Y/%m}/{instance.case_id}-{filename}"


class Attachment(models.Model):
    """A file attached to an investigation (photos, PDFs, spreadsheets),
    stored through Django's storage API."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.name


class MonitoringKind(models.TextChoices):
    HOME_QUARANTINE = "home_quarantine", _("Home quarantine")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    SELF_MONITORING = "self_monitoring", _("Self-monitoring")
    CONTACT = "contact", _("Contact under follow-up")


class MonitoringStatus(models.TextChoices):
    ACTIVE = "active", _("Being monitored")
    COMPLETED = "completed", _("Completed")
    LOST = "lost", _("Lost to follow-up")


class MonitoringPeriodQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(status=MonitoringStatus.ACTIVE)


class MonitoringPeriod(models.Model):
    """A person's medical monitoring ("Giám sát y tế", R-E5) from `start` to
    `end`, scoped by the person's commune."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="monitoring_periods"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="monitoring_periods"
    )
    declaration = models.ForeignKey(
        "declarations.Declaration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("type"), max_length=16, choices=MonitoringKind.choices)
    area_path = models.CharField(max_length=128, db_index=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=MonitoringStatus.choices,
        default=MonitoringStatus.ACTIVE,
        db_index=True,
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = MonitoringPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["end", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="active"),
                name="investigation_one_active_period",
            )
        ]

    def __str__(self):
        return f"{self.person_id} {self.kind} {self.start}–{self.end}"

    def save(self, *args, **kwargs):
        self.area_path = self.person.area_path
        super().save(*args, **kwargs)


class MonitoringCheck(models.Model):
    """One day's check of a monitored person: temperature and the six symptoms."""

    period = models.ForeignKey(MonitoringPeriod, on_delete=models.CASCADE, related_name="checks")
    date = models.DateField(_("date"))
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    sym_fever = models.BooleanField(_("Fever"), default=False)
    sym_cough = models.BooleanField(_("Cough"), default=False)
    sym_breathing = models.BooleanField(_("Difficulty breathing"), default=False)
    sym_pneumonia = models.BooleanField(_("Pneumonia / lung opacity"), default=False)
    sym_sore_throat = models.BooleanField(_("Sore throat"), default=False)
    sym_fatigue = models.BooleanField(_("Fatigue"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "date"], name="investigation_one_check_a_day")
        ]

    def __str__(self):
        return f"{self.period_id} {self.date}"

    SYMPTOMS = (
        "sym_fever",
        "sym_cough",
        "sym_breathing",
        "sym_pneumonia",
        "sym_sore_throat",
        "sym_fatigue",
    )

    @property
    def symptomatic(self):
        return any(getattr(self, k) for k in self.SYMPTOMS)
