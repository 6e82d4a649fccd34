"""The indicators' default weights (DOMAIN.md §7): the department score rests on the three rates of the
Beijing-style assessment (response: signing and returns; resolution; satisfaction), with on-time
completion and reopenings. Intake indicators (acceptance, first contact, repeats) and those of other
roles (dispatch accuracy, revisits) are shown but weigh 0 until an administrator decides otherwise."""

from django.db import migrations

WEIGHTS = [
    ("acceptance", 0),
    ("dispatch_accuracy", 0),
    ("timely_sign", 15),
    ("return_rate", 10),
    ("on_time", 25),
    ("revisit_rate", 0),
    ("satisfaction", 25),
    ("resolution", 15),
    ("reopen_rate", 10),
    ("first_contact", 0),
    ("repeat_contact", 0),
]


def create(apps, schema_editor):
    Indicator = apps.get_model("complaints", "Indicator")
    for order, (code, weight) in enumerate(WEIGHTS, start=1):
        Indicator.objects.get_or_create(code=code, defaults={"weight": weight, "sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0009_kpi_indicators")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
