"""Backups of the database and the uploaded files together, and their restore.

A case's attachment is a row in the database *and* a file under `MEDIA_ROOT`: a backup of one without
the other restores attachments that cannot be opened, or files that nothing points to. So one backup
is one folder holding both, with a manifest of checksums and of the row count of every table:

    minsheng-backup-20260512-021500/
        database.dump        PostgreSQL: pg_dump --format=custom (restored by pg_restore)
        database.sqlite3     SQLite: a copy made by SQLite's online backup API
        media.tar.gz         everything under MEDIA_ROOT, by relative path
        manifest.json        format, time, engine, applied migrations, row counts, file sizes and SHA-256

The folder is written under a temporary name and renamed when complete, so a folder with the final
name is a finished backup. The database is copied before the files: an attachment's file is stored
before its row is committed, so every row in the copy finds its file in the archive (the archive may
hold a few newer files that no row names, which is harmless).

Restore goes only into an empty database (and, unless asked, an empty `MEDIA_ROOT`): it never merges
into or overwrites live data, and the row counts after the restore are compared with the manifest.

The standard library and Django only: pg_dump and pg_restore are the PostgreSQL client tools, which a
server that runs PostgreSQL has, of the server's version.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_ARCHIVE_NAME = "media.tar.gz"
DATABASE_FILE_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
BACKUP_NAME_PREFIX = "minsheng-backup-"
# A finished backup's folder name: the UTC time it was started, and a counter when two share a second.
_BACKUP_NAME = re.compile(r"^minsheng-backup-(\d{8}-\d{6})(?:-(\d+))?$")
_CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """A backup cannot be made, verified or restored. The message says what is wrong, for the operator
    who runs the command; nothing has been changed unless the message says so."""


def backup_create(
    *,
    destination: Path | None = None,
    keep: int | None = None,
    alias: str = "default",
    stdout=None,
) -> Path:
    """Write one finished backup folder under `destination` (default `settings.BACKUP_DIR`) and return it.

    The database is read in one consistent state: on PostgreSQL the row counts and the dump share an
    exported snapshot (when called outside a transaction, as the command is); on SQLite the counts are
    taken from the copy itself. The folder is readable by its owner only: it holds personal data.
    With `keep`, the finished backups in `destination` beyond the `keep` newest are deleted afterwards;
    other folders and files there are never touched.
    """
    if keep is not None and keep < 1:
        raise BackupError(_("Keep at least one backup (the one just made)."))
    connection = connections[alias]
    engine = _engine(connection)
    destination = Path(destination or settings.BACKUP_DIR)
    destination.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    # mkdtemp makes the folder private to its owner (mode 0700), and the rename keeps that.
    work = Path(tempfile.mkdtemp(prefix=f".{BACKUP_NAME_PREFIX}", suffix=".partial", dir=destination))
    try:
        database_file = work / DATABASE_FILE_NAMES[engine]
        _write(stdout, _("Copying the database…"))
        if engine == "postgresql":
            migrations, tables = _dump_postgresql(connection, database_file)
        else:
            migrations, tables = _copy_sqlite(connection, database_file)
        _write(stdout, _("Archiving the uploaded files…"))
        media_files = _archive_media(work / MEDIA_ARCHIVE_NAME, stdout=stdout)
        manifest = {
            "format_version": FORMAT_VERSION,
            "created_at": started.isoformat(),
            "engine": engine,
            "migrations": migrations,
            "tables": tables,
            "media_files": media_files,
            "files": {
                path.name: {"size": path.stat().st_size, "sha256": _sha256(path)}
                for path in (database_file, work / MEDIA_ARCHIVE_NAME)
            },
        }
        manifest_path = work / MANIFEST_NAME
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        for path in work.iterdir():
            _flush_to_disk(path)
        final = _move_into_place(work, destination=destination, started=started)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _flush_to_disk(destination)
    if keep is not None:
        for removed in _rotate(destination, keep=keep):
            _write(stdout, _("Removed the old backup %(path)s.") % {"path": removed})
    return final


def backup_verify(*, source: Path) -> dict[str, Any]:
    """Check that the backup folder `source` is finished and that every file has the size and SHA-256
    its manifest records; return the manifest. Raises `BackupError` naming the first file that is
    missing, truncated or changed."""
    source = Path(source)
    manifest_path = source / MANIFEST_NAME
    if not source.is_dir():
        raise BackupError(_("%(path)s is not a folder.") % {"path": source})
    if not manifest_path.is_file():
        raise BackupError(
            _("%(path)s has no manifest.json: it is not a backup, or the backup was never finished.")
            % {"path": source}
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        engine = manifest["engine"]
        files = manifest["files"]
        version = manifest["format_version"]
        expected_names = {DATABASE_FILE_NAMES[engine], MEDIA_ARCHIVE_NAME}
        listed = {name: (int(entry["size"]), str(entry["sha256"])) for name, entry in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(
            _("The manifest.json of %(path)s cannot be read (%(error)s): the backup is damaged.")
            % {"path": source, "error": error}
        ) from error
    if version != FORMAT_VERSION:
        raise BackupError(
            _(
                "%(path)s is a backup of format %(found)s; "
                "this version of the application reads format %(expected)s."
            )
            % {"path": source, "found": version, "expected": FORMAT_VERSION}
        )
    if set(listed) != expected_names:
        raise BackupError(
            _("The manifest of %(path)s lists %(found)s instead of %(expected)s: the backup is damaged.")
            % {
                "path": source,
                "found": ", ".join(sorted(listed)),
                "expected": ", ".join(sorted(expected_names)),
            }
        )
    for name, (size, checksum) in sorted(listed.items()):
        path = source / name
        if not path.is_file():
            raise BackupError(
                _("%(file)s is missing from the backup %(path)s.") % {"file": name, "path": source}
            )
        found_size = path.stat().st_size
        if found_size != size:
            raise BackupError(
                _(
                    "%(file)s in %(path)s has %(found)s bytes where the manifest says %(expected)s: "
                    "the file is incomplete or damaged."
                )
                % {"file": name, "path": source, "found": found_size, "expected": size}
            )
        if _sha256(path) != checksum:
            raise BackupError(
                _(
                    "%(file)s in %(path)s does not match its SHA-256 checksum in the manifest: "
                    "the file is damaged or was changed."
                )
                % {"file": name, "path": source}
            )
    return manifest


def backup_restore(
    *, source: Path, alias: str = "default", replace_media: bool = False, stdout=None
) -> dict[str, tuple[int | None, int | None]]:
    """Restore the backup folder `source` into the database `alias` and `MEDIA_ROOT`.

    Verifies the backup first (checksums, and that the archive's paths stay inside MEDIA_ROOT), and
    refuses (changing nothing) unless the database has no tables and, without `replace_media`,
    `MEDIA_ROOT` holds no files; with `replace_media` the archive's files are written over files of
    the same path and other files are left alone. The database must exist (create it empty first).
    Returns {table: (rows in the backup, rows now)} for every table whose count differs, which is
    empty when the restore is complete. Django's connection to `alias` is closed before and after,
    so the next query sees the restored database.
    """
    source = Path(source)
    manifest = backup_verify(source=source)
    with _open_archive(source / MEDIA_ARCHIVE_NAME) as archive:
        members = _safe_members(archive)
        connection = connections[alias]
        engine = _engine(connection)
        if manifest["engine"] != engine:
            raise BackupError(
                _("%(path)s is a backup of a %(found)s database; the database %(alias)s is %(expected)s.")
                % {"path": source, "found": manifest["engine"], "alias": alias, "expected": engine}
            )
        database_name = connection.settings_dict["NAME"]
        existing = _existing_tables(connection)
        if existing:
            raise BackupError(
                _(
                    "The database %(name)s is not empty (it has %(count)s tables, such as %(example)s): "
                    "a backup is restored only into an empty database, "
                    "so that nothing is overwritten or mixed."
                )
                % {"name": database_name, "count": len(existing), "example": existing[0]}
            )
        if engine == "sqlite" and connection.is_in_memory_db():
            raise BackupError(
                _(
                    "The database %(name)s is in memory and would vanish with this process: "
                    "restore into a database file."
                )
                % {"name": database_name}
            )
        media_root = Path(settings.MEDIA_ROOT)
        if not replace_media and _holds_files(media_root):
            raise BackupError(
                _(
                    "MEDIA_ROOT (%(path)s) already holds files: restore into an empty folder, "
                    "or allow writing over them (--replace-media)."
                )
                % {"path": media_root}
            )

        _write(stdout, _("Restoring the database %(name)s…") % {"name": database_name})
        connection.close()
        database_file = source / DATABASE_FILE_NAMES[engine]
        if engine == "postgresql":
            _restore_postgresql(connection.settings_dict, database_file)
        else:
            _restore_sqlite(database_file, Path(database_name))
        connection.close()

        _write(
            stdout,
            _("Restoring %(count)s uploaded files into %(path)s…")
            % {"count": len(members), "path": media_root},
        )
        media_root.mkdir(parents=True, exist_ok=True)
        # The "data" filter (Python 3.11.4+) also refuses links and special files and drops odd modes.
        extract_options = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(media_root, members=members, **extract_options)

    expected = manifest["tables"]
    found = _row_counts(connection)
    return {
        table: (expected.get(table), found.get(table))
        for table in sorted(expected.keys() | found.keys())
        if expected.get(table) != found.get(table)
    }


def _engine(connection) -> str:
    if connection.vendor not in DATABASE_FILE_NAMES:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor}
        )
    return connection.vendor


def _write(stdout, message: str) -> None:
    if stdout is not None:
        stdout.write(f"{message}\n")


def _database_facts(cursor, connection) -> tuple[list[list[str]], dict[str, int]]:
    """The applied migrations and the row count of every table, read through `cursor` (which may be
    on a copy of the database), for the manifest and the check after a restore."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations = [[app, name] for app, name in cursor.fetchall()]
    return migrations, _count_rows(cursor, connection, connection.introspection.table_names(cursor))


def _count_rows(cursor, connection, tables) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _row_counts(connection) -> dict[str, int]:
    with connection.cursor() as cursor:
        return _count_rows(cursor, connection, connection.introspection.table_names(cursor))


def _dump_postgresql(connection, target: Path) -> tuple[list[list[str]], dict[str, int]]:
    """pg_dump in the custom format. Outside a transaction the counts are read in a repeatable-read
    transaction whose snapshot pg_dump shares (`--snapshot`), so they describe exactly the dump even
    while the application writes; inside one (a caller's atomic block) they are read just before."""
    command, environment = _postgresql_command("pg_dump", connection.settings_dict)
    command += ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            facts = _database_facts(cursor, connection)
        _run(command, environment)
        return facts
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        # Must be the first statement of the transaction.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _database_facts(cursor, connection)
        _run([*command, f"--snapshot={snapshot}"], environment)
    return facts


def _copy_sqlite(connection, target: Path) -> tuple[list[list[str]], dict[str, int]]:
    """SQLite's online backup API from Django's own connection: a consistent copy while others write,
    and the only way to reach an in-memory database (the tests')."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        try:
            return _database_facts(cursor, connection)
        finally:
            cursor.close()
    finally:
        copy.close()


def _existing_tables(connection) -> list[str]:
    """The tables (and views) already in the target: in PostgreSQL's public schema, or in the SQLite
    file (which connecting creates empty when it does not exist)."""
    if connection.vendor == "postgresql":
        query = (
            "SELECT c.relname FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY c.relname"
        )
    else:
        query = (
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
        )
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            return [name for (name,) in cursor.fetchall()]
    except DatabaseError as error:
        raise BackupError(
            _("Cannot open the database %(name)s (%(error)s): it must exist, empty, before a restore.")
            % {"name": connection.settings_dict["NAME"], "error": str(error).strip()}
        ) from error


def _postgresql_command(program: str, settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """The client tool with the connection of the Django settings. The password goes through the
    environment: a command line is visible to every user of the machine (ps)."""
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            _("%(program)s was not found: install the PostgreSQL client tools of the server's version.")
            % {"program": program}
        )
    command = [executable, "--no-password"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            command += [option, str(settings_dict[key])]
    environment = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            environment[variable] = str(options[option])
    return [*command, "--dbname", str(settings_dict["NAME"])], environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            _("%(program)s failed: %(error)s")
            % {"program": Path(command[0]).name, "error": result.stderr.strip() or result.returncode}
        )


def _restore_postgresql(settings_dict: dict, dump: Path) -> None:
    """One transaction: a restore that fails leaves the database empty, to be tried again."""
    command, environment = _postgresql_command("pg_restore", settings_dict)
    _run(
        [*command, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump)],
        environment,
    )


def _restore_sqlite(copy: Path, target: Path) -> None:
    """The copy is written into the database file through SQLite's backup API rather than over it
    with a file copy: SQLite takes the locks, so a process that has the file open (a server, a
    worker) sees either the empty database or the whole restored one, never a torn file."""
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    try:
        destination = sqlite3.connect(target, timeout=20)
        try:
            source.backup(destination)
        finally:
            destination.close()
    except sqlite3.Error as error:
        raise BackupError(
            _("The database could not be written to %(path)s: %(error)s") % {"path": target, "error": error}
        ) from error
    finally:
        source.close()


def _archive_media(target: Path, *, stdout) -> int:
    """Every regular file under MEDIA_ROOT, by its path relative to it; returns how many. Symbolic
    links are left out (said on `stdout`): restored, they could point anywhere."""
    media_root = Path(settings.MEDIA_ROOT)
    count = 0
    with tarfile.open(target, "w:gz") as archive:
        if not media_root.is_dir():
            return 0
        for folder, directories, files in os.walk(media_root):
            # os.walk lists linked folders without entering them: they are reported below.
            directories.sort()
            for path in sorted(Path(folder) / name for name in [*directories, *files]):
                if path.is_dir() and not path.is_symlink():
                    continue
                relative = path.relative_to(media_root).as_posix()
                if path.is_symlink() or not path.is_file():
                    _write(stdout, _("Left out %(path)s: not a regular file.") % {"path": relative})
                    continue
                archive.add(path, arcname=relative, recursive=False)
                count += 1
    return count


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": error}
        ) from error


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """The archive's files, all checked before anything is restored: only plain files and folders
    with relative paths that stay inside MEDIA_ROOT."""
    name = Path(archive.name).name
    try:
        members = archive.getmembers()
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(_("%(file)s cannot be read: %(error)s") % {"file": name, "error": error}) from error
    for member in members:
        path = PurePosixPath(member.name)
        if path.is_absolute() or ".." in path.parts or member.name.startswith(("/", "\\")):
            raise BackupError(
                _("%(file)s holds %(name)s, a path outside MEDIA_ROOT: refused.")
                % {"file": name, "name": member.name}
            )
        if not (member.isfile() or member.isdir()):
            raise BackupError(
                _("%(file)s holds %(name)s, which is not a plain file or folder: refused.")
                % {"file": name, "name": member.name}
            )
    return [member for member in members if member.isfile()]


def _holds_files(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(path.is_file() or path.is_symlink() for path in folder.rglob("*"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _flush_to_disk(path: Path) -> None:
    """fsync a file or a folder, so that after a power cut a folder with a finished name holds
    finished files."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _move_into_place(work: Path, *, destination: Path, started: datetime) -> Path:
    """Rename the complete folder to its final name; `-2`, `-3`... when the name is taken (renaming
    onto a folder that is not empty fails, so two backups in one second cannot overwrite each other)."""
    base = f"{BACKUP_NAME_PREFIX}{started:%Y%m%d-%H%M%S}"
    counter = 1
    while True:
        final = destination / (base if counter == 1 else f"{base}-{counter}")
        if not final.exists():
            try:
                work.rename(final)
            except OSError:
                if not final.exists():
                    raise
            else:
                return final
        counter += 1


def _finished_backups(destination: Path) -> list[Path]:
    """The finished backups in `destination`, oldest first: folders with our name and a manifest."""
    found = []
    for path in destination.iterdir():
        match = _BACKUP_NAME.match(path.name)
        if match and path.is_dir() and not path.is_symlink() and (path / MANIFEST_NAME).is_file():
            found.append(((match[1], int(match[2] or 1)), path))
    return [path for _key, path in sorted(found)]


def _rotate(destination: Path, *, keep: int) -> list[Path]:
    backups = _finished_backups(destination)
    removed = backups[: max(0, len(backups) - keep)]
    for path in removed:
        shutil.rmtree(path)
    return removed
