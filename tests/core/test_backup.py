"""Backups hold the database and the uploaded files together: restored into a fresh database by another
process, they show the same case with the same attachments. A damaged backup, a target that is not
empty and an archive path that leaves MEDIA_ROOT are refused; rotation removes only our own old backups.

The data is committed (`transaction=True`) so that pg_dump and the other processes see it; the same
tests run on SQLite and on PostgreSQL (`DATABASE_URL`).
"""

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from complaints.models import Case, State
from core import clock
from core.backup import BackupError, backup_create, backup_restore, backup_verify
from core.models import User

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "english"),
]

PROJECT = Path(__file__).resolve().parents[2]
PHOTO = b"\xff\xd8\xff" + bytes(range(256)) * 8
LETTER = b"%PDF-1.4 \xe5\x81\x9c\xe6\xb0\xb4\xe9\x80\x9a\xe7\x9f\xa5 " + b"\x00\x01" * 300


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        return counts


def case_page_and_files(*, username: str, number: str, moment: str) -> dict:
    """What the restore test compares, computed the same way in this process and in the restored one:
    the row count of every table (read first: signing in writes a session), the case page's <main>
    section rendered at a fixed moment (the deadline's "time left" moves) with the CSRF tokens taken
    out, and the SHA-256 of every attachment as the attachment view serves it."""
    counts = table_counts()
    client = Client()
    client.force_login(User.objects.get(username=username))
    with clock.travel_to(datetime.fromisoformat(moment)):
        page = client.get(reverse("complaints:detail", args=[number]))
        main = re.search(r"<main\b.*?</main>", page.content.decode(), re.DOTALL)
        attachments = {}
        for attachment in Case.objects.get(number=number).attachments.order_by("pk"):
            response = client.get(reverse("complaints:attachment", args=[number, attachment.pk]))
            content = b"".join(response.streaming_content)
            attachments[attachment.original_name] = [
                response.status_code,
                hashlib.sha256(content).hexdigest(),
            ]
    section = re.sub(r'(name="csrfmiddlewaretoken" value=)"[^"]*"', r'\1""', main[0] if main else "")
    return {"status": page.status_code, "tables": counts, "page": section, "attachments": attachments}


def manage(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    """`manage.py` in a fresh process, with these settings in its environment."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env={**os.environ, **environment, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def empty_database(tmp_path):
    """The DATABASE_URL of a fresh, empty database of the engine under test: a scratch database on the
    PostgreSQL server (dropped afterwards), or an SQLite file that does not exist yet."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg2

    settings_dict = connection.settings_dict
    name = f"minsheng_restore_{uuid.uuid4().hex[:12]}"
    server = {
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }
    administration = psycopg2.connect(dbname="postgres", **server)
    administration.autocommit = True
    try:
        with administration.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(settings_dict["USER"] or "", safe="")
        if settings_dict["PASSWORD"]:
            credentials += ":" + quote(settings_dict["PASSWORD"], safe="")
        address = f"{settings_dict['HOST'] or ''}:{settings_dict['PORT'] or 5432}"
        yield f"postgres://{credentials}@{address}/{name}"
    finally:
        with administration.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        administration.close()


def test_a_restored_backup_shows_the_same_case_and_attachments(case_in, tmp_path, empty_database, capsys):
    case = case_in(
        State.IN_PROGRESS,
        attachments=[
            SimpleUploadedFile("停水现场.jpg", PHOTO, content_type="image/jpeg"),
            SimpleUploadedFile("停水通知.pdf", LETTER, content_type="application/pdf"),
        ],
    )
    counts_at_backup = table_counts()
    folder = backup_create(destination=tmp_path / "backups")
    request = {"username": "handler", "number": case.number, "moment": clock.now().isoformat()}
    original = case_page_and_files(**request)
    restored_media = tmp_path / "restored-media"
    target = {
        "DATABASE_URL": empty_database,
        "MEDIA_ROOT": str(restored_media),
        "ERASURE_LEDGER_PATH": str(tmp_path / "erasure-ledger.jsonl"),
    }

    (restored_media / "left-over").mkdir(parents=True)
    (restored_media / "left-over" / "old.txt").write_text("not ours")
    refused = manage("restore", str(folder), "--no-input", **target)
    (restored_media / "left-over" / "old.txt").unlink()
    restore = manage("restore", str(folder), "--no-input", **target)
    shown = manage(
        "shell",
        "--command",
        "import json; from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from tests.core.test_backup import case_page_and_files; "
        f"print('RESULT', json.dumps(case_page_and_files(**{request!r})))",
        **target,
    )

    assert refused.returncode != 0 and "MEDIA_ROOT" in refused.stderr, refused.stderr
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert shown.returncode == 0, shown.stderr
    restored = json.loads(shown.stdout.split("RESULT ", 1)[1])
    with capsys.disabled():
        print(f"\n{restore.stdout.strip()}")
        for label, seen in [("original", original), ("restored", restored)]:
            print(
                f"{label}: page {seen['status']}, <main> of {len(seen['page'])} characters "
                f"(sha256 {hashlib.sha256(seen['page'].encode()).hexdigest()[:16]}), "
                f"{len(seen['tables'])} tables with {sum(seen['tables'].values())} rows, "
                f"attachments {seen['attachments']}"
            )
    # "Restored: all N tables have the row counts of the backup", in the installation's language.
    assert f" {len(original['tables'])} " in restore.stdout
    assert original["status"] == restored["status"] == 200
    assert case.number in original["page"] and "停水现场.jpg" in original["page"]
    assert restored["page"] == original["page"]
    assert original["tables"] == counts_at_backup == backup_verify(source=folder)["tables"]
    # The restore replays the erasure ledger (empty here), which it records as a retention run.
    replay = "complaints_retentionrun"
    assert restored["tables"] == {**original["tables"], replay: original["tables"][replay] + 1}
    assert (
        restored["attachments"]
        == original["attachments"]
        == {
            "停水现场.jpg": [200, hashlib.sha256(PHOTO).hexdigest()],
            "停水通知.pdf": [200, hashlib.sha256(LETTER).hexdigest()],
        }
    )


@pytest.mark.parametrize("damaged", ["database", "media"])
def test_a_backup_with_one_byte_changed_is_refused_naming_the_file(damaged, register, tmp_path):
    register()
    folder = backup_create(destination=tmp_path / "backups")
    path = next(folder.glob(f"{damaged}.*"))
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))
    counts = table_counts()

    message = rf"{re.escape(path.name)} in .* does not match its SHA-256 checksum"
    with pytest.raises(BackupError, match=message):
        backup_verify(source=folder)
    with pytest.raises(BackupError, match=message):
        backup_restore(source=folder)
    with pytest.raises(CommandError, match=message):
        call_command("backup_verify", str(folder))
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(folder), no_input=True, stdout=io.StringIO())
    assert table_counts() == counts


def test_restore_refuses_a_database_that_is_not_empty_and_changes_nothing(register, tmp_path, settings):
    register()
    folder = backup_create(destination=tmp_path / "backups")
    counts = table_counts()
    settings.MEDIA_ROOT = tmp_path / "no-media-yet"

    with pytest.raises(BackupError, match=r"is not empty \(it has \d+ tables"):
        backup_restore(source=folder)
    with pytest.raises(CommandError, match="restored only into an empty database"):
        call_command("restore", str(folder), no_input=True, stdout=io.StringIO())
    assert table_counts() == counts
    assert not settings.MEDIA_ROOT.exists()


def test_restore_refuses_an_archive_path_that_leaves_media_root(register, tmp_path):
    register()
    folder = backup_create(destination=tmp_path / "backups")
    archive_path = folder / "media.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        member = tarfile.TarInfo("../escaped.txt")
        member.size = 4
        archive.addfile(member, io.BytesIO(b"evil"))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["media.tar.gz"] = {
        "size": archive_path.stat().st_size,
        "sha256": hashlib.sha256(archive_path.read_bytes()).hexdigest(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BackupError, match=r"\.\./escaped\.txt, a path outside MEDIA_ROOT"):
        backup_restore(source=folder)
    assert not (tmp_path / "escaped.txt").exists()


def test_keep_leaves_the_newest_backups_and_never_touches_other_folders(register, tmp_path):
    register()
    destination = tmp_path / "backups"
    old = destination / "minsheng-backup-20200101-000000"
    old.mkdir(parents=True)
    (old / "manifest.json").write_text("{}")
    unfinished = destination / "minsheng-backup-20190101-000000"  # our name but no manifest
    unfinished.mkdir()
    foreign = [unfinished, destination / "minsheng-backup-notes", destination / "photos"]
    for path in foreign[1:]:
        path.mkdir()
        (path / "manifest.json").write_text("{}")
    (destination / "minsheng-backup-20180101-000000.tar").write_bytes(b"a file, not a folder")

    made = [backup_create(destination=destination, keep=2) for _number in range(3)]

    assert len(set(made)) == 3
    assert all(re.fullmatch(r"minsheng-backup-\d{8}-\d{6}(-\d+)?", path.name) for path in made)
    assert sorted(path.name for path in destination.iterdir()) == sorted(
        [made[1].name, made[2].name, "minsheng-backup-20180101-000000.tar", *(path.name for path in foreign)]
    )
    with pytest.raises(BackupError, match="Keep at least one backup"):
        backup_create(destination=destination, keep=0)


def test_a_backup_that_fails_half_way_leaves_nothing_that_looks_finished(register, tmp_path, monkeypatch):
    register()
    destination = tmp_path / "backups"

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("core.backup._archive_media", fail)
    with pytest.raises(OSError, match="disk full"):
        backup_create(destination=destination)
    assert list(destination.iterdir()) == []


def test_the_backup_command_prints_the_folder_and_the_sizes(register, tmp_path):
    register()
    destination = tmp_path / "backups"
    first, second = io.StringIO(), io.StringIO()

    call_command("backup", "--output", str(destination), stdout=first)
    call_command("backup", "--output", str(destination), "--keep", "1", stdout=second)

    (remaining,) = destination.iterdir()
    assert f"Backup written to {remaining}" in second.getvalue()
    assert re.search(r"database\.(dump|sqlite3): \S+", second.getvalue())
    assert "media.tar.gz:" in second.getvalue() and "Removed the old backup" in second.getvalue()
    assert call_command("backup_verify", str(remaining), stdout=io.StringIO()) is None


def test_personal_data_erased_after_the_backup_does_not_come_back_with_a_restore(
    case_in, tmp_path, empty_database, settings
):
    """Back up, let the retention job erase a case, restore the backup into a fresh database: the restore
    replays the erasure ledger (kept outside the database), so the restored case is erased again."""
    from complaints.retention import retention_run

    closed = clock.now() - timedelta(days=4 * 365)
    with clock.travel_to(closed):
        case = case_in(State.CLOSED, citizen_phone="13812345678")
    with clock.travel_to(closed + timedelta(days=31)):
        retention_run()  # archived
    folder = backup_create(destination=tmp_path / "backups")
    retention_run()  # three years after archiving: erased
    assert Case.objects.get(pk=case.pk).personal_data_erased_at is not None
    target = {
        "DATABASE_URL": empty_database,
        "MEDIA_ROOT": str(tmp_path / "restored-media"),
        "ERASURE_LEDGER_PATH": str(settings.ERASURE_LEDGER_PATH),
    }

    restore = manage("restore", str(folder), "--no-input", **target)
    shown = manage(
        "shell",
        "--command",
        "from complaints.models import Case; "
        f"case = Case.objects.get(number={case.number!r}); "
        "print('RESULT', repr(case.citizen_phone), case.personal_data_erased_at is not None)",
        **target,
    )

    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "1 cases and" in restore.stdout
    assert shown.stdout.split("RESULT ", 1)[1].split() == ["''", "True"], shown.stderr
