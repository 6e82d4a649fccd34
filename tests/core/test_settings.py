"""Startup refuses an unsafe production configuration. Each case runs Django in a fresh process."""

import os
import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
KEY_A = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE="
KEY_B = "cXV4YmF6YmFyZm9vcXV4YmF6YmFyZm9vcXV4YmF6YmE="
# The production settings the README's deploying section documents.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k7Q2-x9LmP4vR8sT1wY6zA3bC5dE0fG2hJ4kL6nM8pQ0rS2tU4vW6xY8zA0bC2dE4f",
    "ALLOWED_HOSTS": "minsheng.example.cn",
    "CSRF_TRUSTED_ORIGINS": "https://minsheng.example.cn",
    "TRUSTED_PROXY_COUNT": "1",
    "DATABASE_URL": "postgres://minsheng:secret@127.0.0.1:5432/minsheng",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "PERSONAL_DATA_KEYS": KEY_A,
    "PERSONAL_DATA_LOOKUP_KEYS": KEY_B,
}
# Variables the environment of this test run may set, which would change what is tested (the browser
# tests' harness sets DJANGO_ALLOW_ASYNC_UNSAFE in this process, which `check --deploy` rightly refuses).
CLEARED = {
    *PRODUCTION,
    "ALLOW_EMBEDDED_SERVICES",
    "TWO_FACTOR_REQUIRED",
    "SECURE_SSL_REDIRECT",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_python(code: str, **overrides) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def start_django(**overrides) -> subprocess.CompletedProcess:
    return run_python("import django; django.setup(); print('started')", **overrides)


def test_debug_is_off_unless_set_so_a_bare_start_refuses_and_says_what_to_set():
    result = start_django()

    assert result.returncode != 0
    assert "DEBUG is off" in result.stderr
    assert "SECRET_KEY must be set" in result.stderr
    assert "For development, set DEBUG=1" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    result = start_django(
        **{**PRODUCTION, "SECRET_KEY": "development-only-secret-key-do-not-use-in-production"}
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    result = start_django(**{**PRODUCTION, "ALLOWED_HOSTS": ""})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_debug_off_without_personal_data_keys_refuses_to_start():
    result = start_django(**{**PRODUCTION, "PERSONAL_DATA_KEYS": ""})

    assert result.returncode != 0
    assert "PERSONAL_DATA_KEYS and PERSONAL_DATA_LOOKUP_KEYS must each name a key" in result.stderr


def test_debug_off_refuses_the_embedded_services_unless_allowed():
    embedded = {**PRODUCTION, "DATABASE_URL": "sqlite:////tmp/minsheng.sqlite3"}
    del embedded["CELERY_BROKER_URL"], embedded["CACHE_URL"]

    refused = start_django(**embedded)
    allowed = start_django(**embedded, ALLOW_EMBEDDED_SERVICES="1")

    assert refused.returncode != 0
    assert "DATABASE_URL must name a PostgreSQL database" in refused.stderr
    assert "CELERY_BROKER_URL must name a Redis broker" in refused.stderr
    assert "CACHE_URL must name a Redis cache" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr


def test_debug_off_with_real_settings_starts_with_two_factor_sign_in_on():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.TWO_FACTOR_REQUIRED, settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS)",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "31536000"]


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env={**{k: v for k, v in os.environ.items() if k not in CLEARED}, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_importing_the_settings_creates_nothing_on_disk():
    code = (
        "import os, pathlib\n"
        "made = []\n"
        "original_mkdir, original_makedirs = pathlib.Path.mkdir, os.makedirs\n"
        "pathlib.Path.mkdir = lambda self, *a, **k: made.append(str(self))\n"
        "os.makedirs = lambda path, *a, **k: made.append(str(path))\n"
        "import django; django.setup()\n"
        "print('made:', made)\n"
    )
    result = run_python(code, DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert "made: []" in result.stdout


def test_env_example_documents_every_setting_the_code_reads():
    read = set()
    for path in [PROJECT / "config" / "settings.py"]:
        read |= set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_][A-Z0-9_]*)"', path.read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z_][A-Z0-9_]*)=", (PROJECT / ".env.example").read_text(), re.M))

    assert read, "no env() calls found: the pattern no longer matches the settings module"
    assert sorted(read - documented) == []
