import core.fields
from django.db import migrations


class Migration(migrations.Migration):
    """The visitor's identity fields become encrypted text with keyed-hash look-ups (core.fields)."""

    dependencies = [
        ("reception", "0002_default_reception_room"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="visit", name="reception_visit_phone"),
        migrations.AddField(
            model_name="visit",
            name="phone_lookup",
            field=core.fields.LookupHashField(kind="phone", source="phone"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="id_lookup",
            field=core.fields.LookupHashField(kind="id_number", source="id_number"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="visitor_name",
            field=core.fields.EncryptedTextField(max_length=50, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="phone",
            field=core.fields.EncryptedTextField(blank=True, max_length=30, verbose_name="phone"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="id_number",
            field=core.fields.EncryptedTextField(blank=True, max_length=18, verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="visit",
            name="address",
            field=core.fields.EncryptedTextField(blank=True, max_length=200, verbose_name="address"),
        ),
    ]
