from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from core.backup import BackupError, backup_restore, backup_verify


class Command(BaseCommand):
    help = (
        "Restore a backup folder into an empty database and an empty MEDIA_ROOT, then compare every "
        "table's row count with the backup. Refuses a database that has tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup folder (minsheng-backup-...).")
        parser.add_argument("--no-input", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument(
            "--replace-media",
            action="store_true",
            help="Restore even though MEDIA_ROOT holds files; files of the same path are overwritten.",
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, backup: Path, no_input: bool, replace_media: bool, database: str, **options):
        try:
            manifest = backup_verify(source=backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("Restoring %(path)s (%(engine)s, made %(created)s) into the database %(name)s and %(media)s.")
            % {
                "path": backup,
                "engine": manifest["engine"],
                "created": manifest["created_at"],
                "name": connections[database].settings_dict["NAME"],
                "media": settings.MEDIA_ROOT,
            }
        )
        if not no_input:
            answer = input(_("Type 'yes' to continue: "))
            if answer.strip().lower() != "yes":
                raise CommandError(_("Restore cancelled; nothing was changed."))
        try:
            differences = backup_restore(
                source=backup, alias=database, replace_media=replace_media, stdout=self.stdout
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        tables = manifest["tables"]
        if differences:
            for table, (expected, found) in differences.items():
                self.stdout.write(_difference(table, expected, found))
            raise CommandError(
                _("The row counts of %(count)s tables differ from the backup: the restore is incomplete.")
                % {"count": len(differences)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored: all %(tables)s tables have the row counts of the backup (%(rows)s rows).")
                % {"tables": len(tables), "rows": sum(tables.values())}
            )
        )
        # Personal data erased since the backup was taken must not come back: the erasure ledger lives
        # outside the database, so replaying it erases it again before anyone signs in.
        call_command("replay_erasures", stdout=self.stdout)


def _difference(table: str, expected: int | None, found: int | None) -> str:
    if expected is None:
        return _("%(table)s: not in the backup, %(found)s rows now") % {"table": table, "found": found}
    if found is None:
        return _("%(table)s: %(expected)s rows in the backup, the table is missing now") % {
            "table": table,
            "expected": expected,
        }
    return _("%(table)s: %(expected)s rows in the backup, %(found)s now") % {
        "table": table,
        "expected": expected,
        "found": found,
    }
