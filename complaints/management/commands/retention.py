from django.core.management.base import BaseCommand

from complaints.retention import retention_preview, retention_run


class Command(BaseCommand):
    help = (
        "Run the retention job once (beat runs it nightly): archive closed cases, erase the personal data "
        "of cases whose retention period has ended unless a legal hold stands, expire old audit rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done; do nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            preview = retention_preview()
            for case_id, reason in preview["held"].items():
                self.stdout.write(f"held: case id {case_id}: {reason}")
            self.stdout.write(
                f"Dry run: {preview['archive']} cases to archive, {preview['erase']} to erase, "
                f"{len(preview['held'])} held; nothing was changed."
            )
            return
        run = retention_run()
        self.stdout.write(
            f"Run {run.pk}: {run.archived} archived, {run.erased} erased, {run.held} held, "
            f"{run.other_rows_erased} other records erased, {run.audit_rows_expired} audit rows expired."
        )
