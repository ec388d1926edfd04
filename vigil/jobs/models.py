"""Background jobs and their progress: one row per job, whatever its kind.

A job is queued as a django-tasks task (its `task_id`) and run by the worker
(`manage.py jobs_worker`); the row is what pages and the API read. Running
jobs beat their heart on every progress update, so a job whose worker died is
found (`services.recover_stale`) instead of showing "running" forever.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# Written to `error` by the recovery; translated when shown.
STALE_ERROR = gettext_noop("The worker stopped while running this job; start it again.")
# Written to `error` by an import that found bad rows (listed in `result`).
NOTHING_SAVED = gettext_noop("Nothing was saved: some rows have problems.")


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # What the job does: "reevaluate_risk", "export", "paper_import", "lab_import".
    kind = models.CharField(max_length=32)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The file an export wrote.
    file_name = models.CharField(max_length=200, blank=True)
    path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # What the job found or did, for its page: an import's counts, or its bad rows.
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Updated with every progress report while running.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The django-tasks result id of the queued task (empty when run at once).
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_by", "kind"], name="job_owner_kind"),
            models.Index(
                fields=["heartbeat_at"], name="job_running", condition=models.Q(state="running")
            ),
        ]

    def __str__(self):
        return f"{self.title or self.kind} ({self.get_state_display()})"

    @property
    def percent(self):
        return 100 if not self.total else min(100, int(100 * self.done / self.total))

    @property
    def finished(self):
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def error_message(self):
        """The error, in the reader's language when it is Vigil's own."""
        return gettext(self.error) if self.error in TRANSLATED_ERRORS else self.error


# Errors written as their English msgid, translated when shown.
TRANSLATED_ERRORS = (STALE_ERROR, NOTHING_SAVED)
