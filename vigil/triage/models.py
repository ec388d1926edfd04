"""Risk rules as data (R-M1): editable by CDC staff, visible to every staff user."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.declarations.models import RiskColour


class EpidemicArea(models.Model):
    """A place declared an epidemic area for a period (any province, district or commune).

    Reference data maintained by CDC for the whole province: it is not scoped.
    """

    unit = models.ForeignKey("areas.AdminUnit", verbose_name=_("area"), on_delete=models.PROTECT)
    unit_path = models.CharField(max_length=128, db_index=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty: still going"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start", "unit_path"]

    def __str__(self):
        return (
            f"{self.unit} ({self.start:%d/%m/%Y}–{self.end:%d/%m/%Y})"
            if self.end
            else str(self.unit)
        )

    def save(self, *args, **kwargs):
        self.unit_path = self.unit.path
        super().save(*args, **kwargs)

    def clean(self):
        if self.end and self.start and self.end < self.start:
            raise ValidationError({"end": _("The end date is before the start date.")})


class RiskRule(models.Model):
    """When every fact in `facts` holds, add `weight` and raise the level to at least `min_level`.

    Facts are named in vigil.triage.engine.FACTS (a question key such as
    "sym_fever", "epidemic_area", "age_65_plus", "outbreak_visit"...). Rules
    only ever add: a declaration with one more "yes" can never score lower.
    """

    label = models.CharField(
        _("label shown to staff"),
        max_length=200,
        help_text=_('e.g. "Fever + from an epidemic area"'),
    )
    facts = models.JSONField(_("facts that must all hold"), default=list)
    weight = models.PositiveIntegerField(_("weight"), default=0)
    min_level = models.PositiveSmallIntegerField(
        _("at least level"),
        default=0,
        choices=[(0, _("Green")), (1, _("Yellow")), (2, _("Orange")), (3, _("Red"))],
    )
    active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-min_level", "-weight", "id"]

    def __str__(self):
        return self.label


class RiskBand(models.Model):
    """The score from which a level (and its colour) starts."""

    level = models.PositiveSmallIntegerField(primary_key=True)
    colour = models.CharField(max_length=8, choices=RiskColour.choices)
    min_score = models.PositiveIntegerField()

    class Meta:
        ordering = ["level"]

    def __str__(self):
        return f"{self.colour} ≥ {self.min_score}"


class ReferenceStamp(models.Model):
    """One row whose `version` database triggers replace with a random value
    on any write to the risk rules, bands, epidemic areas, administrative
    units or countries (vigil/triage/stamp.py): the per-process caches of
    those (vigil.core.refcache) compare it to the value they were loaded under.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    def __str__(self):
        return str(self.version)
