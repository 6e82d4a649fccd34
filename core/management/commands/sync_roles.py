from django.core.management.base import BaseCommand

from core.services import roles_sync


class Command(BaseCommand):
    help = "Create one group per role and give it exactly the role's permissions (idempotent)."

    def handle(self, *args, **options):
        counts = roles_sync()
        for role, count in counts.items():
            self.stdout.write(f"{role}: {count} permissions")
