from django.db import migrations, models


class Migration(migrations.Migration):
    """The index of a caller's calls, built once the look-up hashes are filled."""

    dependencies = [
        ("hotline", "0004_seal_call_numbers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="call",
            index=models.Index(fields=["number_lookup", "-started_at"], name="hotline_call_number_lookup"),
        ),
    ]
