from django.core.management.base import BaseCommand

from complaints.escalation import escalation_sweep


class Command(BaseCommand):
    help = (
        "Run the deadline sweep once: warnings, urging, reminders while overdue, supervision notices and "
        "listed supervision that have come due (beat runs it every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent, send nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        result = escalation_sweep(dry_run=dry_run)
        for line in result.planned:
            self.stdout.write(line)
        if dry_run:
            self.stdout.write(f"Dry run: {result.cases} cases due, nothing was sent.")
        else:
            self.stdout.write(
                f"{result.cases} cases, {result.notices} notices, {result.supervisions} supervision notices, "
                f"{result.escalated} unanswered supervision notices reported."
            )
