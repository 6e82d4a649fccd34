from django.core.management.base import BaseCommand

from dashboard.figures import months_refresh


class Command(BaseCommand):
    help = (
        "Recompute the dashboards' monthly figures from the cases: this month and the months before it "
        "(beat does this month and the last every few minutes, a year back every night)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, default=1, help="How many months before this one (default 1)."
        )

    def handle(self, *args, months: int = 1, **options):
        refreshed = months_refresh(max(0, months))
        self.stdout.write(f"Figures recomputed for {', '.join(f'{month:%Y-%m}' for month in refreshed)}.")
