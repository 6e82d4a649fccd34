from django.db import migrations, models


class Migration(migrations.Migration):
    """The retention job's index: archived and merged cases whose personal data is still kept, by the
    moment their retention counts from."""

    dependencies = [
        ("complaints", "0015_default_retention_periods"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(personal_data_erased_at__isnull=True, state__in=["archived", "merged"]),
                fields=["closed_at"],
                name="complaints_case_kept",
            ),
        ),
    ]
