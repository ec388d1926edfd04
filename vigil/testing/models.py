"""Test results (R-T1..R-T3): checkpoint rapid tests and screening tests are the
same rows, seen from two places."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.scope import ScopedQuerySet


class TestType(models.TextChoices):
    RAPID = "rapid", _("Rapid antigen")
    PCR = "pcr", _("RT-PCR")
    POOLED = "pooled", _("Pooled PCR")
    OTHER = "other", _("Other")


class TestOutcome(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INCONCLUSIVE = "inconclusive", _("Inconclusive")
    PENDING = "pending", _("Waiting for the result")


class TestResultQuerySet(ScopedQuerySet):
    facility_field = "person__stays__facility"

    def positive_without_case(self):
        """Positive results nobody has acted on yet: what puts a person on
        CDC's worklist "Dương tính, chưa mở ca bệnh" (R-H1). CDC records an
        action on them (`services.record_positive_handled`); the
        investigation module will open an F0 case instead. A later positive
        is a new row, not handled: it puts the person back on the list."""
        return self.filter(result=TestOutcome.POSITIVE, handled_at__isnull=True)


class TestResult(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="tests")
    area_path = models.CharField(max_length=128, db_index=True)
    sampling_unit = models.CharField(_("sampling unit"), max_length=200, blank=True)
    batch_code = models.CharField(_("group / batch code"), max_length=64, blank=True, db_index=True)
    test_id = models.CharField(_("test ID"), max_length=64, blank=True, db_index=True)
    sample_date = models.DateField(_("sample date"), db_index=True)
    test_date = models.DateField(_("test date"), null=True, blank=True)
    test_type = models.CharField(_("test type"), max_length=16, choices=TestType.choices)
    result = models.CharField(
        _("result"), max_length=16, choices=TestOutcome.choices, default=TestOutcome.PENDING
    )
    checkpoint = models.CharField(_("checkpoint"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A positive result acted on by CDC (e.g. "referred to hospital X").
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_note = models.TextField(_("action taken"), blank=True)
    version = models.PositiveIntegerField(default=1)

    objects = TestResultQuerySet.as_manager()

    class Meta:
        ordering = ["-sample_date", "-id"]
        indexes = [
            # The worklist and its count on the home menu read only these few.
            models.Index(
                fields=["person"],
                condition=models.Q(result="positive", handled_at__isnull=True),
                name="test_positive_open",
            ),
            # The "tested" list walks the results newest first (queries.
            # LatestTestedOrder): a province's in this order, the scope and
            # the person read from the index; a commune's from its range.
            models.Index(
                fields=["sample_date", "id", "area_path", "person"], name="test_sample_scope"
            ),
            models.Index(
                fields=["area_path", "sample_date", "id", "person"],
                opclasses=["varchar_pattern_ops", "date_ops", "int8_ops", "int8_ops"],
                name="test_scope_sample",
            ),
            # A person's visible results without the table: "has a visible
            # result" (the tabs, their counts, the walk's people), the
            # latest one first (annotate_tests), the scope from the index.
            models.Index(
                fields=["person", "sample_date", "id", "area_path"], name="test_person_scope"
            ),
            # An area's results in person order, merged with its people
            # (queries._count_on_one_path: the tabs' counts of a commune).
            models.Index(
                fields=["area_path", "person"],
                opclasses=["varchar_pattern_ops", "int8_ops"],
                name="test_scope_person",
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.get_test_type_display()} {self.sample_date}: {self.result}"

    def save(self, *args, **kwargs):
        self.area_path = self.person.area_path
        super().save(*args, **kwargs)
