"""The reception room every organisation has (seed 001 二(一): 设立专门的公民接待室). Administrators
rename it and add others in the admin site."""

from django.db import migrations


def create_default_room(apps, schema_editor):
    ReceptionRoom = apps.get_model("reception", "ReceptionRoom")
    if not ReceptionRoom.objects.exists():
        ReceptionRoom.objects.create(name="公民接待室", sort_order=10)


class Migration(migrations.Migration):
    dependencies = [("reception", "0001_visits")]

    operations = [migrations.RunPython(create_default_room, migrations.RunPython.noop)]
