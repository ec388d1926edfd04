"""The task groups of SPEC §2: what an account may do follows these
(`vigil.core.permissions` says which capabilities each one holds)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Task(models.TextChoices):
    """The task groups of SPEC §2. What an account may do follows these."""

    COMMUNITY = "community", _("Community team")
    POLICE = "police", _("Police")
    MILITARY = "military", _("Military command")
    HEALTH_STATION = "health_station", _("Health station")
    DIGITISATION = "digitisation", _("Digitisation and verification team")
    CDC = "cdc", _("CDC")
    CHECKPOINT = "checkpoint", _("Checkpoint staff")
    FACILITY = "facility", _("Quarantine facility manager")
    LEADER = "leader", _("Leader")
    ESTABLISHMENT = "establishment", _("Accommodation establishment")
    ADMIN = "admin", _("Operations centre (administrator)")
    SCHOOL = "school", _("School (students returning to study)")
