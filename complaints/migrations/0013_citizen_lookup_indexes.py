from django.db import migrations, models


class Migration(migrations.Migration):
    """The indexes of a caller's history, built once the look-up hashes are filled."""

    dependencies = [
        ("complaints", "0012_seal_citizen_fields"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["citizen_phone_lookup", "-created_at"], name="complaints_case_phone_lookup"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["citizen_id_lookup", "-created_at"], name="complaints_case_id_lookup"),
        ),
    ]
