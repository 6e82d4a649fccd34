from django.core.management.base import BaseCommand

from core.notices import deliveries_catch_up


class Command(BaseCommand):
    help = (
        "Send the email and SMS deliveries of notices that are due and unsent: never queued (broker down), "
        "waiting for a retry, or abandoned by a worker that died (beat runs it every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List the deliveries, send nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        handled = deliveries_catch_up(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"Dry run: {len(handled)} deliveries due: {handled}")
        else:
            self.stdout.write(f"{len(handled)} deliveries handled.")
