from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.backup import BackupError, backup_verify


class Command(BaseCommand):
    help = "Check that a backup folder is finished and that every file matches its size and SHA-256."

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="The backup folder (minsheng-backup-...).")

    def handle(self, *args, backup: Path, **options):
        try:
            manifest = backup_verify(source=backup)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("%(path)s is intact: %(files)s files match their checksums (%(engine)s, made %(created)s).")
                % {
                    "path": backup,
                    "files": len(manifest["files"]),
                    "engine": manifest["engine"],
                    "created": manifest["created_at"],
                }
            )
        )
