from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from core.backup import MANIFEST_NAME, BackupError, backup_create, backup_verify


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files (MEDIA_ROOT) together into one new folder under "
        "BACKUP_DIR (or --output), with a manifest of checksums and row counts. Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path, default=None, help="The folder to write into (default: BACKUP_DIR)."
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            help="Afterwards delete all but the N newest backups in that folder (nothing else there).",
        )
        parser.add_argument("--database", default="default", help="The database alias (default: default).")

    def handle(self, *args, output: Path | None = None, keep: int | None = None, database: str, **options):
        try:
            folder = backup_create(destination=output, keep=keep, alias=database, stdout=self.stdout)
            manifest = backup_verify(source=folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(_("Backup written to %(path)s") % {"path": folder}))
        for name, entry in sorted(manifest["files"].items()):
            self.stdout.write(f"  {name}: {filesizeformat(entry['size'])}")
        self.stdout.write(f"  {MANIFEST_NAME}: {filesizeformat((folder / MANIFEST_NAME).stat().st_size)}")
        self.stdout.write(
            _("Tables: %(tables)s, rows: %(rows)s, uploaded files: %(files)s.")
            % {
                "tables": len(manifest["tables"]),
                "rows": sum(manifest["tables"].values()),
                "files": manifest["media_files"],
            }
        )
