from django.db import migrations

# DOMAIN.md §10: ten years for complaints (and reports, which are investigated like them), three for
# consultations and the other kinds; archived 30 days after closing. Administrators change them.
DEFAULT_RETENTION_YEARS = {
    "consultation": 3,
    "help": 3,
    "complaint": 10,
    "report": 10,
    "suggestion": 3,
    "praise": 3,
    "other": 3,
}


def create_policies(apps, schema_editor):
    RetentionPolicy = apps.get_model("complaints", "RetentionPolicy")
    for kind, years in DEFAULT_RETENTION_YEARS.items():
        RetentionPolicy.objects.get_or_create(kind=kind, defaults={"retention_years": years})


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0014_retention"),
    ]

    operations = [
        migrations.RunPython(create_policies, migrations.RunPython.noop),
    ]
