"""Chinese words are mostly two characters long (水压, 漏水), and a trigram index cannot narrow a
two-character LIKE. On PostgreSQL, index the description's character pairs (bigrams, the idea of
pg_bigm, which is not packaged everywhere) with an immutable SQL function and a GIN index;
`CaseQuerySet.matching_text()` asks the index for every pair of the searched words, then checks the
exact text. Other databases keep a plain scan."""

from django.db import migrations

CREATE = [
    # COST tells the planner that calling it row by row is expensive: it then uses the index.
    """
    CREATE OR REPLACE FUNCTION minsheng_bigrams(value text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $$
        SELECT coalesce(array_agg(DISTINCT substr(upper_value, position, 2)), '{}'::text[])
        FROM (SELECT upper(value) AS upper_value) source,
             generate_series(1, length(upper_value) - 1) AS position
    $$
    """,
    "CREATE INDEX IF NOT EXISTS complaints_case_description_bigrams "
    "ON complaints_case USING gin (minsheng_bigrams(description))",
]
DROP = [
    "DROP INDEX IF EXISTS complaints_case_description_bigrams",
    "DROP FUNCTION IF EXISTS minsheng_bigrams(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("complaints", "0005_description_search_index_on_upper")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
