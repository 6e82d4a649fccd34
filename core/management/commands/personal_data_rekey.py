from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

from core import encryption
from core.resealing import personal_data_tables, reseal_table


class Command(BaseCommand):
    help = (
        "Seal every personal-data value under the first key of PERSONAL_DATA_KEYS and recompute every "
        "look-up hash under the first key of PERSONAL_DATA_LOOKUP_KEYS (after putting a new key first). "
        "Rows already so are left alone; each batch commits on its own, so it can be stopped and run again "
        "while the app runs. Then remove the old keys, and VACUUM (ANALYZE) the tables."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--new-key", action="store_true", help="Print a new random key for the settings and stop."
        )

    def handle(self, *args, new_key: bool = False, **options):
        if new_key:
            self.stdout.write(encryption.generate_key())
            return
        total = 0
        for table in personal_data_tables(apps.get_models()):
            # Autocommit: each batch's UPDATE commits by itself, so no row stays locked for the whole
            # table, and an interruption loses one batch at most.
            rows = reseal_table(connection, **table, progress=self.stdout.write)
            total += rows
            self.stdout.write(f"{table['table']}: {rows} rows re-sealed")
        self.stdout.write(
            self.style.SUCCESS(
                f"{total} rows re-sealed under key {encryption.keyring().current_id}; "
                "the other keys may now be removed."
            )
        )
