"""Sealing personal-data columns in bulk, straight in SQL: plain values left by older code (the data
migrations that introduced encryption) and values sealed under a key that is no longer the first one
(`manage.py personal_data_rekey`, after a key rotation). The lookup hashes are recomputed from the plain
values on the way, so rotating the hash key is the same run.

It speaks SQL to the table rather than using the models: data migrations must not depend on the models
of the current code, and the values are read as stored (tokens), not decrypted by the field.
"""

from core import encryption
from core.personal_data import lookup_hash

BATCH = 5000


def reseal_table(
    connection,
    *,
    table: str,
    columns: tuple[str, ...],
    lookups: dict[str, tuple[str, str]],
    batch: int = BATCH,
    progress=None,
) -> int:
    """Make every value of `columns` of `table` a token under the current key and every lookup-hash
    column (`lookups`: hash column -> (source column, kind)) the hash of its source under the current
    hash key. Rows already so are not written, so running it again changes nothing. Returns the number
    of rows rewritten. Reads the table in primary-key order, `batch` rows at a time; on PostgreSQL each
    batch is written by one UPDATE ... FROM (VALUES ...), elsewhere one UPDATE per row. Outside a
    transaction (autocommit) each batch commits by itself; `progress(text)` is told after each batch."""
    quote = connection.ops.quote_name
    hash_columns = tuple(lookups)
    read = ", ".join(quote(column) for column in ("id", *columns, *hash_columns))
    rewritten = 0
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT {read} FROM {quote(table)} WHERE id > %s ORDER BY id LIMIT %s", [last_id, batch]
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            last_id = rows[-1][0]
            updates = [
                update
                for row in rows
                if (update := _resealed(row, columns=columns, hash_columns=hash_columns, lookups=lookups))
            ]
            if updates:
                _update_rows(cursor, connection, table=table, columns=(*columns, *hash_columns), rows=updates)
                rewritten += cursor.rowcount
            if progress is not None:
                progress(f"{table}: up to id {last_id}, {rewritten} rows re-sealed so far")


def _resealed(row, *, columns, hash_columns, lookups) -> tuple | None:
    """The row's new values (id first), or None when it is already sealed and hashed as it should be."""
    row_id, *values = row
    stored = dict(zip((*columns, *hash_columns), values, strict=True))
    plain, sealed, changed = {}, [], False
    for column in columns:
        value = stored[column] or ""
        if not value:
            plain[column] = ""
            sealed.append("")
        elif not encryption.token_key_id(value):  # plain text left by older code
            plain[column] = value
            sealed.append(encryption.encrypt(value))
            changed = True
        elif encryption.is_current(value):
            plain[column] = None  # opened only if a hash needs it
            sealed.append(value)
        else:
            plain[column] = encryption.decrypt(value)
            sealed.append(encryption.encrypt(plain[column]))
            changed = True
    hashes = []
    for hash_column in hash_columns:
        source, kind = lookups[hash_column]
        if plain[source] is None:
            plain[source] = encryption.decrypt(stored[source])
        hashes.append(lookup_hash(kind, plain[source]))
        changed = changed or hashes[-1] != (stored[hash_column] or "")
    stored_values = [stored[column] for column in (*columns, *hash_columns)]
    return (row_id, *sealed, *hashes, *stored_values) if changed else None


def _update_rows(cursor, connection, *, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Write the new values of each row (id, new values..., values as read...) only where the row still
    holds what was read: a row changed meanwhile (erased by the retention job, edited by a user) is left
    as it is now, and the next run takes it."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_values

        assignments = ", ".join(f"{quote(column)} = v.{quote('new_' + column)}" for column in columns)
        unchanged = " AND ".join(
            f"t.{quote(column)} IS NOT DISTINCT FROM v.{quote('old_' + column)}" for column in columns
        )
        names = ", ".join(
            quote(name)
            for name in (
                "id",
                *(f"new_{column}" for column in columns),
                *(f"old_{column}" for column in columns),
            )
        )
        execute_values(
            cursor.cursor,
            f"UPDATE {quote(table)} AS t SET {assignments} FROM (VALUES %s) AS v({names}) "
            f"WHERE t.id = v.id AND {unchanged}",
            rows,
            page_size=len(rows),
        )
        return
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    unchanged = " AND ".join(f"{quote(column)} IS %s" for column in columns)
    width = len(columns)
    cursor.executemany(
        f"UPDATE {quote(table)} SET {assignments} WHERE id = %s AND {unchanged}",
        [(*values[:width], row_id, *values[width:]) for row_id, *values in rows],
    )


def personal_data_tables(models) -> list[dict]:
    """The tables of `models` that hold encrypted fields, with their columns and lookup hashes, as
    `reseal_table` takes them."""
    from core.fields import EncryptedTextField, LookupHashField

    tables = []
    for model in models:
        fields = model._meta.concrete_fields
        columns = tuple(field.column for field in fields if isinstance(field, EncryptedTextField))
        if not columns:
            continue
        by_name = {field.name: field for field in fields}
        lookups = {
            field.column: (by_name[field.source].column, field.kind)
            for field in fields
            if isinstance(field, LookupHashField)
        }
        tables.append({"table": model._meta.db_table, "columns": columns, "lookups": lookups})
    return tables
