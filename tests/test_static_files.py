"""Every stylesheet and script under static/ keeps what it references.

With DEBUG off, `collectstatic` runs WhiteNoise's CompressedManifestStaticFilesStorage, which rewrites
every `url(...)` of a stylesheet and every `sourceMappingURL` comment to the referenced file's hashed
name, and stops on a reference to a file that is not there; the pages then miss their manifest entries
and answer 500. A vendored file whose source map is not shipped loses its `sourceMappingURL` line.

Nothing may be fetched from the internet at run time (intranets have no way out), so an absolute
http(s) or protocol-relative URL is refused outright. Inline `data:` URIs fetch nothing and are
accepted: Bootstrap's stylesheet draws its form controls with them.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

STATIC_DIR = Path(settings.BASE_DIR) / "static"

# `//# sourceMappingURL=...` (scripts), `/*# sourceMappingURL=... */` (stylesheets), and the older `@`
# spelling; anywhere in the file, not only on a line of its own, so that none is missed.
SOURCE_MAP = re.compile(r"(?://|/\*)[#@][ \t]*sourceMappingURL=(?P<url>[^\s*]+)")
# url("..."), url('...') and url(...); a quoted URL may hold parentheses (data: URIs do).
CSS_URL = re.compile(r"""url\(\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)'|(?P<bare>[^)'"\s]*))\s*\)""")
CSS_IMPORT = re.compile(r"""@import\s+(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def references(path: Path) -> list[tuple[str, str]]:
    """What a stylesheet or script references, as (kind, URL): its source maps and, for stylesheets,
    url() and @import."""
    text = path.read_text(encoding="utf-8")
    found = [("source map", match["url"]) for match in SOURCE_MAP.finditer(text)]
    if path.suffix == ".css":
        for pattern in (CSS_URL, CSS_IMPORT):
            found += [
                ("file", match["double"] or match["single"] or match["bare"] or "")
                for match in pattern.finditer(text)
            ]
    return found


def problems(path: Path, static_dir: Path = STATIC_DIR) -> list[str]:
    """What is wrong with the references of one file, each said so that the fix is plain."""
    found = []
    name = path.relative_to(static_dir)
    for kind, url in references(path):
        if url.lower().startswith("data:") or url.startswith("#"):
            continue  # inline data and fragments of the same document fetch nothing
        if REMOTE.match(url):
            found.append(
                f"{name} references {url!r}: nothing may be fetched from the internet at run time; vendor "
                "the file under static/vendor/ and reference it by a relative path"
            )
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.IGNORECASE):
            found.append(f"{name} references {url!r}: only relative paths to files under static/ are allowed")
            continue
        relative = url.split("#", 1)[0].split("?", 1)[0]
        if not relative:
            found.append(f"{name} references an empty URL")
            continue
        if relative.startswith("/"):
            if not relative.startswith(settings.STATIC_URL):
                found.append(f"{name} references {url!r}, which is outside {settings.STATIC_URL}")
                continue
            target = static_dir / relative.removeprefix(settings.STATIC_URL)
        else:
            target = path.parent / relative
        if not target.resolve().is_relative_to(static_dir.resolve()):
            found.append(f"{name} references {url!r}, which is outside static/")
        elif not target.is_file():
            found.append(
                f"{name} references the {kind} {url!r}, which is not shipped: collectstatic (manifest "
                "storage) stops on it. Ship the file, or remove the reference"
                + (" (the sourceMappingURL comment line)" if kind == "source map" else "")
            )
    return found


STATIC_FILES = sorted(path for pattern in ("*.css", "*.js") for path in STATIC_DIR.rglob(pattern))


def test_static_files_are_found():
    assert STATIC_FILES, f"no stylesheets or scripts under {STATIC_DIR}"
    assert STATIC_DIR / "vendor" / "chartjs-4.5.1" / "chart.umd.min.js" in STATIC_FILES


@pytest.mark.parametrize("path", STATIC_FILES, ids=lambda path: str(path.relative_to(STATIC_DIR)))
def test_references_resolve_to_shipped_files(path):
    assert problems(path) == []


@pytest.fixture
def static_dir(tmp_path):
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / "shipped.js.map").write_text("{}")
    (tmp_path / "vendor" / "lib" / "font.woff2").write_bytes(b"")
    return tmp_path


def test_a_missing_source_map_is_found(static_dir):
    script = static_dir / "vendor" / "lib" / "lib.min.js"
    script.write_text("var a=1;\n//# sourceMappingURL=lib.min.js.map\n")
    [problem] = problems(script, static_dir)
    assert "the source map 'lib.min.js.map', which is not shipped" in problem


def test_a_shipped_source_map_passes(static_dir):
    script = static_dir / "vendor" / "lib" / "lib.min.js"
    script.write_text("var a=1;\n//# sourceMappingURL=shipped.js.map\n")
    assert problems(script, static_dir) == []


def test_stylesheet_urls_are_checked(static_dir):
    stylesheet = static_dir / "vendor" / "lib" / "lib.css"
    stylesheet.write_text(
        "@font-face{src:url(font.woff2) format('woff2'),url('missing.woff')}"
        ".a{background:url(\"data:image/svg+xml,%3csvg xmlns='http://www.w3.org/2000/svg'%3e(%3c/svg%3e\")}"
        ".b{background:url(https://cdn.example.com/x.png)}.c{background:url(//cdn.example.com/y.png)}"
        ".d{filter:url(#shadow)}\n/*# sourceMappingURL=lib.css.map */"
    )
    found = problems(stylesheet, static_dir)
    assert len(found) == 4, found
    assert "'missing.woff', which is not shipped" in found[1]
    assert all("nothing may be fetched from the internet" in problem for problem in found[2:])
    assert "the source map 'lib.css.map'" in found[0]
