import core.fields
from django.db import migrations


class Migration(migrations.Migration):
    """The caller's number becomes encrypted text with a keyed-hash look-up (core.fields)."""

    dependencies = [
        ("hotline", "0002_index_call_start"),
    ]

    operations = [
        migrations.AlterField(
            model_name="call",
            name="number",
            field=core.fields.EncryptedTextField(max_length=30, verbose_name="phone number"),
        ),
        migrations.AddField(
            model_name="call",
            name="number_lookup",
            field=core.fields.LookupHashField(kind="phone", source="number"),
        ),
    ]
