from django.db import migrations

from core.resealing import reseal_table


def seal(apps, schema_editor):
    reseal_table(
        schema_editor.connection,
        table="complaints_case",
        columns=("citizen_name", "citizen_phone", "citizen_id_number", "citizen_address"),
        lookups={
            "citizen_phone_lookup": ("citizen_phone", "phone"),
            "citizen_id_lookup": ("citizen_id_number", "id_number"),
        },
    )


class Migration(migrations.Migration):
    """Seal the citizen fields stored in plain text before, and hash them for look-ups. Irreversible:
    the earlier code kept the ID number's look-up key under another scheme."""

    dependencies = [
        ("complaints", "0011_encrypted_citizen_fields"),
    ]

    operations = [migrations.RunPython(seal, elidable=False)]
