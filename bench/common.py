"""What the measuring scripts share: Django set up as a benchmark wants it, the migrations a database
lacks, a percentile, and a fingerprint of the code measured (the tree is worked on while benchmarks run,
so results are comparable only for the same fingerprint)."""

import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """django.setup() with DEBUG off (as in production) and the test client's host allowed."""
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]


def unapplied_migrations(connection) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def code_fingerprint(*folders: str, suffixes: tuple[str, ...] = (".py", ".html")) -> str:
    """A short hash of the files with `suffixes` under `folders` (besides complaints, core, config and
    templates, which every page runs)."""
    digest = hashlib.sha1()
    for folder in (*folders, "complaints", "core", "config", "templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in suffixes:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:10]
