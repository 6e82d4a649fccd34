import core.fields
from django.db import migrations


class Migration(migrations.Migration):
    """The citizen's identity fields become encrypted text with keyed-hash look-ups (core.fields); the
    values themselves are sealed by the next migration, the look-up indexes built by the one after."""

    dependencies = [
        ("complaints", "0010_default_indicator_weights"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="complaints_case_phone"),
        migrations.AddField(
            model_name="case",
            name="citizen_phone_lookup",
            field=core.fields.LookupHashField(kind="phone", source="citizen_phone"),
        ),
        migrations.AlterField(
            model_name="case",
            name="citizen_id_lookup",
            field=core.fields.LookupHashField(kind="id_number", source="citizen_id_number"),
        ),
        migrations.AlterField(
            model_name="case",
            name="citizen_name",
            field=core.fields.EncryptedTextField(blank=True, max_length=50, verbose_name="citizen's name"),
        ),
        migrations.AlterField(
            model_name="case",
            name="citizen_phone",
            field=core.fields.EncryptedTextField(blank=True, max_length=30, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="case",
            name="citizen_id_number",
            field=core.fields.EncryptedTextField(blank=True, max_length=18, verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="case",
            name="citizen_address",
            field=core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="address"),
        ),
    ]
