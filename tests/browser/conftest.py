"""The browser-test harness: Playwright drives the machine's own Chromium against a live server.

No browser is downloaded. Chromium is found on PATH (`chromium`, as Debian's package installs it) or
at `CHROMIUM_PATH`. Without one the browser tests are skipped locally, and fail when
`MINSHENG_REQUIRE_BROWSER` is set (CI sets it), so CI never passes without running them.
"""

import os
import shutil

import pytest

from tests.factories import TEST_PASSWORD

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls the tests make
# from that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or shutil.which("google-chrome")
    )


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "No Chromium on this machine: install Debian's 'chromium' package or set CHROMIUM_PATH."
        if os.environ.get("MINSHENG_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_tab(browser, live_server, transactional_db, reference_data):
    """`new_tab(**context_options)` opens a tab in a fresh browser context (no cookies) whose relative
    URLs go to the live server.

    The live server answers from another thread, so these tests commit their data and the database is
    emptied after each (a transactional test); `reference_data` puts back what the data migrations
    wrote."""
    contexts = []

    def open_tab(**options):
        context = browser.new_context(base_url=live_server.url, **options)
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(15_000)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_tab):
    """A desktop-sized tab."""
    return new_tab(viewport={"width": 1280, "height": 900})


PHONE_SCREEN = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def sign_in(page):
    """`sign_in(username)` fills the login form in whatever language the page is in."""

    def fill(username: str, password: str = TEST_PASSWORD):
        page.goto("/accounts/login/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("form[action='/accounts/login/'] button[type=submit]").click()
        page.wait_for_load_state()

    return fill
