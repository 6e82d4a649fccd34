"""The zh-Hans catalogue covers every translatable string and its compiled file is current.

The compiled `.mo` is committed, so a fresh machine needs no gettext tools to show Chinese.
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PROJECT = Path(__file__).resolve().parents[2]
CATALOGUE = PROJECT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = [
    "config",
    "core",
    "complaints",
    "hotline",
    "reception",
    "feedback",
    "staff",
    "emergency",
    "dashboard",
    "templates",
]


def test_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = polib.pofile(str(CATALOGUE))

    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []


def test_compiled_catalogue_matches_the_source():
    catalogue = polib.pofile(str(CATALOGUE))
    with open(CATALOGUE.with_suffix(".mo"), "rb") as compiled_file:
        compiled = gettext.GNUTranslations(compiled_file)

    def compiled_text(entry):
        if entry.msgctxt:
            return compiled.pgettext(entry.msgctxt, entry.msgid)
        return compiled.gettext(entry.msgid)

    stale = [
        entry.msgid
        for entry in catalogue.translated_entries()
        if not entry.msgid_plural and compiled_text(entry) != entry.msgstr
    ]
    assert stale == [], "run `make messages` to recompile locale/zh_Hans/LC_MESSAGES/django.mo"


@pytest.mark.skipif(shutil.which("xgettext") is None and not os.environ.get("CI"), reason="needs GNU gettext")
def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    # makemessages writes next to the sources it reads, so extract from a copy of the project.
    for name in [*SOURCE_DIRS, "locale"]:
        shutil.copytree(
            PROJECT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "vendor")
        )
    shutil.copy(PROJECT / "manage.py", tmp_path / "manage.py")

    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DEBUG": "1"},
    )

    assert result.returncode == 0, result.stderr
    extracted = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [entry.msgid for entry in extracted if not entry.translated() or "fuzzy" in entry.flags]
    assert missing == [], "translate these in locale/zh_Hans/LC_MESSAGES/django.po, then `make messages`"
