"""Django's `icontains` compares UPPER(description) on PostgreSQL, which the plain trigram index of
0003 cannot serve: index the same expression instead."""

from django.db import migrations

CREATE = [
    "DROP INDEX IF EXISTS complaints_case_description_trgm",
    "CREATE INDEX IF NOT EXISTS complaints_case_description_upper_trgm "
    "ON complaints_case USING gin (upper(description) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS complaints_case_description_upper_trgm",
    "CREATE INDEX IF NOT EXISTS complaints_case_description_trgm "
    "ON complaints_case USING gin (description gin_trgm_ops)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_ledger_newest_first_index")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
