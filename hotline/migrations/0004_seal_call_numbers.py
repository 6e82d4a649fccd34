from django.db import migrations

from core.resealing import reseal_table


def seal(apps, schema_editor):
    reseal_table(
        schema_editor.connection, table="hotline_call", columns=("number",), lookups={"number_lookup": ("number", "phone")}
    )


class Migration(migrations.Migration):
    """Seal the callers' numbers stored in plain text before, and hash them (irreversible)."""

    dependencies = [
        ("hotline", "0003_encrypted_call_number"),
    ]

    operations = [migrations.RunPython(seal, elidable=False)]
