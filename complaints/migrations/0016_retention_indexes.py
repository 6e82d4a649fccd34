from django.db import migrations, models


class Migration(migrations.Migration):
    """The retention job's indexes: archived and merged cases whose personal data is still kept."""

    dependencies = [
        ("complaints", "0015_default_retention_and_archive_dates"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(personal_data_erased_at__isnull=True, state="archived"),
                fields=["archived_at"],
                name="complaints_case_archived_kept",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(personal_data_erased_at__isnull=True, state="merged"),
                fields=["closed_at"],
                name="complaints_case_merged_kept",
            ),
        ),
    ]
