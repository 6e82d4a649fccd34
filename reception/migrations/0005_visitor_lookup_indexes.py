from django.db import migrations, models


class Migration(migrations.Migration):
    """The indexes of a visitor's history, built once the look-up hashes are filled."""

    dependencies = [
        ("reception", "0004_seal_visitor_fields"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["phone_lookup", "-visit_date"], name="reception_visit_phone_lookup"),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(fields=["id_lookup", "-visit_date"], name="reception_visit_id_lookup"),
        ),
    ]
