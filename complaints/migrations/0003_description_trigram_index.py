"""On PostgreSQL, a trigram index makes the ledger's text search (description contains …) fast on
millions of cases; Chinese text has no word boundaries, so trigrams rather than full-text search.
Other databases keep a plain scan."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS complaints_case_description_trgm "
    "ON complaints_case USING gin (description gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS complaints_case_description_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_default_deadline_policies")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
