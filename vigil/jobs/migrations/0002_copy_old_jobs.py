"""Copy the progress rows of the two old models into the one job model:
triage's re-evaluation jobs keep their ids (the declarations' events name
them), the exports follow them (their files stay where they are, so recent
exports can still be downloaded)."""

from django.core.management.color import no_style
from django.db import migrations
from django.utils import timezone

# vigil.jobs.models.STALE_ERROR, as it was when this migration was written: the
# threads that ran the old queued or running rows are gone.
STALE_ERROR = "The worker stopped while running this job; start it again."
EXPORT_FIELDS = ("title", "state", "total", "done", "error", "file_name", "path", "size")


def copy(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    OldJob = apps.get_model("triage", "Job")
    Export = apps.get_model("reports", "Export")
    Job.objects.bulk_create(
        Job(
            pk=old.pk,
            kind=old.kind,
            created_by_id=old.created_by_id,
            state=old.state,
            total=old.total,
            done=old.done,
            error=old.error,
            created_at=old.created_at,
            finished_at=old.finished_at,
            heartbeat_at=old.finished_at or old.created_at,
        )
        for old in OldJob.objects.order_by("pk").iterator()
    )
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Job]):
            cursor.execute(sql)
    Job.objects.bulk_create(
        Job(
            kind="export",
            created_by_id=export.user_id,
            params={"list": export.list_key, "query": export.params},
            created_at=export.created_at,
            finished_at=export.finished_at,
            heartbeat_at=export.finished_at or export.created_at,
            **{name: getattr(export, name) for name in EXPORT_FIELDS},
        )
        for export in Export.objects.order_by("pk").iterator()
    )
    Job.objects.filter(state__in=("queued", "running")).update(
        state="failed", error=STALE_ERROR, finished_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("triage", "0002_default_rules"),
        ("reports", "0003_tally_statement_triggers"),
    ]

    operations = [migrations.RunPython(copy, migrations.RunPython.noop)]
