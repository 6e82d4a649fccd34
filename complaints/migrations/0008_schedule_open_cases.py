"""Cases already open when the deadline sweep arrives get a schedule row due now: the first sweep then
stores each one's next threshold. Thresholds already passed before the upgrade are not sent (a flood of
old warnings would help nobody); from then on each is sent at its moment."""

from django.db import migrations
from django.utils import timezone

OPEN_WITH_A_CLOCK = [
    "registered",
    "dispatched",
    "return_requested",
    "signed",
    "in_progress",
    "extension_requested",
    "reply_submitted",
    "replied",
    "reopened",
]


def schedule_open_cases(apps, schema_editor):
    Case = apps.get_model("complaints", "Case")
    CaseSchedule = apps.get_model("complaints", "CaseSchedule")
    now = timezone.now()
    ids = (
        Case.objects.filter(state__in=OPEN_WITH_A_CLOCK, stage_deadline__isnull=False, schedule__isnull=True)
        .values_list("pk", flat=True)
        .iterator(chunk_size=5000)
    )
    batch = []
    for case_id in ids:
        batch.append(CaseSchedule(case_id=case_id, next_at=now))
        if len(batch) == 5000:
            CaseSchedule.objects.bulk_create(batch)
            batch = []
    CaseSchedule.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0007_default_escalation_rules")]

    operations = [migrations.RunPython(schedule_open_cases, migrations.RunPython.noop)]
