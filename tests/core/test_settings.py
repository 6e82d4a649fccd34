"""Startup refuses an unsafe production configuration. Each case runs Django in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def start_django(**overrides) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "ALLOWED_HOSTS"}
    }
    environment.update(overrides)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=PROJECT,
        env={**environment, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_debug_off_without_secret_key_refuses_to_start_and_says_what_to_set():
    result = start_django(DEBUG="0", ALLOWED_HOSTS="minsheng.example.cn")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_with_the_development_key_refuses_to_start():
    result = start_django(
        DEBUG="0",
        ALLOWED_HOSTS="minsheng.example.cn",
        SECRET_KEY="development-only-secret-key-do-not-use-in-production",
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    result = start_django(DEBUG="0", SECRET_KEY="x" * 50)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_debug_off_with_real_settings_starts():
    result = start_django(DEBUG="0", SECRET_KEY="x" * 50, ALLOWED_HOSTS="minsheng.example.cn")

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout
