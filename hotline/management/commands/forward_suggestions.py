from django.core.management.base import BaseCommand
from django.db import transaction

from core.services import system_user
from hotline.services import suggestions_forward


class Command(BaseCommand):
    help = "Forward the suggestions waiting at registration to their departments, one batch per department."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List the batches without forwarding them."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        with transaction.atomic():
            batches = suggestions_forward(actor=system_user())
            for batch in batches:
                self.stdout.write(f"{batch.department}: {batch.cases.count()}")
            if dry_run:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was forwarded.")
