from pathlib import Path

from django.core.management.base import BaseCommand

from complaints.retention import replay_erasures


class Command(BaseCommand):
    help = (
        "Erase again what the erasure ledger (ERASURE_LEDGER_PATH) says was erased: run after restoring a "
        "backup, before the system is opened to users (`manage.py restore` runs it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ledger", type=Path, help="The ledger file (default: ERASURE_LEDGER_PATH).")

    def handle(self, *args, ledger: Path | None = None, **options):
        run = replay_erasures(path=ledger)
        self.stdout.write(
            f"Replayed the erasure ledger: {run.erased} cases and {run.other_rows_erased} other records "
            "erased again."
        )
