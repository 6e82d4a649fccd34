from django.db import migrations

from core.resealing import reseal_table


def seal(apps, schema_editor):
    reseal_table(
        schema_editor.connection,
        table="reception_visit",
        columns=("visitor_name", "phone", "id_number", "address"),
        lookups={"phone_lookup": ("phone", "phone"), "id_lookup": ("id_number", "id_number")},
    )


class Migration(migrations.Migration):
    """Seal the visitor fields stored in plain text before, and hash them for look-ups (irreversible)."""

    dependencies = [
        ("reception", "0003_encrypted_visitor_fields"),
    ]

    operations = [migrations.RunPython(seal, elidable=False)]
