"""The README's "Deploying" section, run: DEBUG off, `collectstatic`, gunicorn and a Celery worker as
separate processes, then a clerk signs in over HTTP with the second factor and opens pages.

It runs on the engine the suite runs on. With PostgreSQL (DATABASE_URL, as on CI) the processes share
pytest's test database (a transactional test: what it commits they see) and the broker and cache from
the environment (Redis on CI), so the production refusals are all in force. On SQLite (a newcomer's
`make test`) a file database under tmp is migrated by `manage.py migrate` and the processes run as a
one-machine installation (ALLOW_EMBEDDED_SERVICES=1: SQLite, the file broker, a per-process cache);
then only the broker round trip (`celery inspect ping`) is left out, as it needs a broker server.
"""

import base64
import contextlib
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_otp.oath import TOTP

from tests.test_static_files import CSS_URL, SOURCE_MAP

BASE_DIR = Path(settings.BASE_DIR)
# The environment running the tests (.venv/bin on every machine that runs `make test`).
BIN = Path(sys.executable).parent
USERNAME = "production_clerk"
PASSWORD = "deploying-path correct horse battery staple"
# Two different fixed keys (URL-safe base64 of 32 bytes), as `personal_data_rekey --new-key` makes.
PERSONAL_DATA_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
PERSONAL_DATA_LOOKUP_KEY = base64.urlsafe_b64encode(bytes(range(100, 132))).decode()
# A hashed name, as the manifest storage writes it: chart.umd.min.836fa349c9c9.js
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
START_TIMEOUT_SECONDS = 30
POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
# With PostgreSQL the processes use pytest's test database, a transactional one: committed data is
# visible to them, and the database is emptied afterwards. Declared here, not asked for by the fixture,
# so that pytest-django knows to create the test database. On SQLite the processes have their own file.
pytestmark = [pytest.mark.django_db(transaction=True)] if POSTGRES else []


def clerk_create() -> None:
    """The clerk who signs in: the role may reveal personal data, so the second factor is required.
    The role groups exist (`manage.py sync_roles`, that is `core.services.roles_sync()`, ran first).
    Runs in the test process (PostgreSQL) or in a `manage.py shell` of the deployment (SQLite); the
    password is hashed with Argon2 either way, as the tests' own settings hash with MD5, which a
    production process does not accept."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from tests.factories import UserFactory

    user = UserFactory(username=USERNAME, roles=["clerk"])
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


@dataclass
class Deployment:
    base_url: str
    environment: dict[str, str]
    static_root: Path
    gunicorn: subprocess.Popen
    worker: subprocess.Popen
    worker_name: str
    gunicorn_log: Path
    worker_log: Path

    def logs(self) -> str:
        return f"\n--- gunicorn:\n{_tail(self.gunicorn_log)}\n--- worker:\n{_tail(self.worker_log)}"


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def _database_url(database: dict) -> str:
    """The URL of the database the test process uses (pytest's test database)."""
    credentials = urllib.parse.quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + urllib.parse.quote(database["PASSWORD"], safe="")
    host = database["HOST"] or ""
    if database["PORT"]:
        host += f":{database['PORT']}"
    return f"postgres://{credentials}@{host}/{urllib.parse.quote(database['NAME'], safe='')}"


def _environment(tmp_path: Path) -> dict[str, str]:
    embedded = (
        not POSTGRES
        or settings.CELERY_BROKER_URL.startswith("filesystem://")
        or settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    )
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PERSONAL_DATA_KEYS": PERSONAL_DATA_KEY,
        "PERSONAL_DATA_LOOKUP_KEYS": PERSONAL_DATA_LOOKUP_KEY,
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        # The test talks plain HTTP to gunicorn on 127.0.0.1, with no TLS proxy in front: no redirect to
        # HTTPS, and cookies that travel over HTTP. A live system keeps all three on.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "TWO_FACTOR_REQUIRED": "1",
        # Nothing of this run is written into the project's var/.
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "ERASURE_LEDGER_PATH": str(tmp_path / "erasure-ledger.jsonl"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # On CI (PostgreSQL and Redis) every production refusal is in force.
        "ALLOW_EMBEDDED_SERVICES": "1" if embedded else "0",
    }


def _manage(environment: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"manage.py {' '.join(arguments)} failed:\n{output[-4000:]}"
    return output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(arguments: list[str], environment: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in its own session (so that it and its children can be stopped together), its output
    in a file (a pipe nobody reads would fill and stall it)."""
    with log.open("wb") as output:
        return subprocess.Popen(
            arguments,
            cwd=BASE_DIR,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM (gunicorn and Celery shut down gracefully), then SIGKILL to the process group of any
    that is still running after ten seconds."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _wait_until(ready, what: str, deployment_processes: dict[str, tuple[subprocess.Popen, Path]]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not ready():
        for name, (process, log) in deployment_processes.items():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} before {what}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            logs = "\n".join(
                f"--- {name}:\n{_tail(log)}" for name, (_process, log) in deployment_processes.items()
            )
            pytest.fail(f"no {what} within {START_TIMEOUT_SECONDS} s\n{logs}")
        time.sleep(0.2)


@pytest.fixture
def deployment(request, tmp_path):
    """The app built and started the way the README's "Deploying" section says; both processes are
    stopped at the end, whatever happened."""
    environment = _environment(tmp_path)
    if POSTGRES:
        # The data migrations' rows, which an earlier transactional test may have emptied, are put back
        # (as the browser tests do).
        request.getfixturevalue("reference_data")
        environment["DATABASE_URL"] = _database_url(connection.settings_dict)
    else:
        environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        # On PostgreSQL pytest-django has migrated the test database.
        _manage(environment, "migrate", "--no-input")
    _manage(environment, "sync_roles")
    _manage(environment, "collectstatic", "--no-input")
    if POSTGRES:
        clerk_create()
    else:
        _manage(environment, "shell", "--command", f"from {__name__} import clerk_create; clerk_create()")

    port = _free_port()
    # A name and a queue of its own: the worker answers this test's ping, and never takes the tasks
    # waiting in a shared broker (the file broker's folder is the project's var/broker) for another
    # installation's database. Fixed, so that the bindings a broker keeps of them do not pile up.
    worker_name = "minsheng-production-test"
    gunicorn_log, worker_log = tmp_path / "gunicorn.log", tmp_path / "worker.log"
    processes = []
    try:
        gunicorn = _start(
            [str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            environment,
            gunicorn_log,
        )
        processes.append(gunicorn)
        worker = _start(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--concurrency=1",
                f"--hostname={worker_name}@%h",
                f"--queues={worker_name}",
            ],
            environment,
            worker_log,
        )
        processes.append(worker)
        deployment = Deployment(
            base_url=f"http://127.0.0.1:{port}",
            environment=environment,
            static_root=tmp_path / "staticfiles",
            gunicorn=gunicorn,
            worker=worker,
            worker_name=worker_name,
            gunicorn_log=gunicorn_log,
            worker_log=worker_log,
        )
        watched = {"gunicorn": (gunicorn, gunicorn_log), "the Celery worker": (worker, worker_log)}
        _wait_until(lambda: _answers(f"{deployment.base_url}/healthz"), "answer from /healthz", watched)
        _wait_until(lambda: " ready." in _tail(worker_log, 200), "ready worker", watched)
        yield deployment
    finally:
        _stop(processes)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True  # it answered, if not with 200: the test says what
    except OSError:
        return False


@dataclass
class Page:
    status: int
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def csrf_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.text)
        assert match, f"no CSRF token on {self.url}"
        return match[1]


class Browser:
    """Cookies and redirects over plain HTTP: Django's test client cannot talk to another process."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def open(self, path: str, data: dict[str, str] | None = None) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(urllib.parse.urljoin(self.base_url, path), data=body)
        try:
            with self.opener.open(request, timeout=30) as response:
                return Page(response.status, response.url, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, dict(error.headers), error.read())


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"])


def assert_static_served(browser: Browser, page: Page, deployment: Deployment) -> None:
    """Every stylesheet and script the page links answers 200 under its hashed name (the manifest
    storage), cached for good, and so do the source maps and files those reference."""
    parser = _Assets()
    parser.feed(page.text)
    assert parser.urls, f"{page.url} links no stylesheet or script"
    remote = [url for url in parser.urls if re.match(r"^(?:[a-z]+:)?//", url, re.IGNORECASE)]
    assert not remote, f"{page.url} loads {remote} from elsewhere: nothing may be fetched from the internet"
    static = [url for url in parser.urls if url.startswith(settings.STATIC_URL)]
    assert static, f"{page.url} links nothing under {settings.STATIC_URL}: {parser.urls}"
    for url in static:
        assert HASHED_NAME.search(url), f"{page.url} links {url}, not a hashed name: no manifest storage"
        asset = browser.open(url)
        assert asset.status == 200, (
            f"{url} (linked from {page.url}) answered {asset.status}{deployment.logs()}"
        )
        assert "immutable" in asset.headers.get("Cache-Control", ""), (url, asset.headers)
        referenced = [match["url"] for match in SOURCE_MAP.finditer(asset.text)]
        if url.endswith(".css"):
            referenced += [
                match["double"] or match["single"] or match["bare"] for match in CSS_URL.finditer(asset.text)
            ]
        for reference in referenced:
            if reference.startswith(("data:", "#")):
                continue
            target = browser.open(urllib.parse.urljoin(url, reference))
            assert target.status == 200, f"{url} references {reference}, which answered {target.status}"


def test_the_deploying_path_serves_signs_in_and_runs_the_worker(deployment):
    browser = Browser(deployment.base_url)

    health = browser.open("/healthz")
    assert health.status == 200, f"/healthz answered {health.status}: {health.text}{deployment.logs()}"
    assert json.loads(health.body)["status"] == "ok", health.text

    # collectstatic put every stylesheet and script of static/ in the manifest (a missing entry is a
    # 500 on every page that links the file), and gunicorn serves each under its hashed name.
    manifest = json.loads((deployment.static_root / "staticfiles.json").read_text())["paths"]
    static_dir = BASE_DIR / "static"
    for path in sorted(path for pattern in ("*.css", "*.js") for path in static_dir.rglob(pattern)):
        name = path.relative_to(static_dir).as_posix()
        assert name in manifest, f"{name} has no manifest entry after collectstatic"
        served = browser.open(settings.STATIC_URL + manifest[name])
        assert served.status == 200, f"{manifest[name]} answered {served.status}"
        assert served.body, f"{manifest[name]} is empty"

    sign_in = browser.open("/accounts/login/")
    assert sign_in.status == 200, f"the sign-in page answered {sign_in.status}{deployment.logs()}"
    assert_static_served(browser, sign_in, deployment)

    # The password, then the second factor: the clerk has no authenticator yet, so the set-up page
    # shows the key to type into one; the code an authenticator would show confirms it.
    enrol = browser.open(
        "/accounts/login/",
        {
            "csrfmiddlewaretoken": sign_in.csrf_token(),
            "username": USERNAME,
            "password": PASSWORD,
            "next": "/",
        },
    )
    assert enrol.status == 200, f"signing in answered {enrol.status}{deployment.logs()}"
    assert enrol.path == "/accounts/two-factor/", f"signing in led to {enrol.url}, not the second factor"
    secret = re.search(r'data-testid="secret">([A-Z2-7 =]+)<', enrol.text)
    assert secret, "the set-up page shows no key"
    assert_static_served(browser, enrol, deployment)
    key = base64.b32decode(secret[1].replace(" ", ""))
    confirmed = browser.open(
        enrol.url,
        {"csrfmiddlewaretoken": enrol.csrf_token(), "code": f"{TOTP(key).token():06d}", "next": "/"},
    )
    assert confirmed.status == 200, f"confirming the code answered {confirmed.status}{deployment.logs()}"
    assert 'data-testid="recovery-codes"' in confirmed.text, "the code was not accepted"

    for path in ("/", "/cases/"):
        page = browser.open(path)
        assert page.status == 200, f"{path} answered {page.status}{deployment.logs()}"
        assert page.path == path, f"{path} led to {page.url}"
        assert_static_served(browser, page, deployment)

    # The worker: alive, and answering over the broker when the broker is a server (Redis). The file
    # broker of a one-machine installation has no server to ask; its worker must still be running.
    assert deployment.worker.poll() is None, f"the worker exited{deployment.logs()}"
    if not deployment.environment["CELERY_BROKER_URL"].startswith("filesystem://"):
        ping = subprocess.run(
            [str(BIN / "celery"), "-A", "config", "inspect", "ping", "--timeout", "10"]
            + ["--destination", f"{deployment.worker_name}@{socket.gethostname()}"],
            cwd=BASE_DIR,
            env=deployment.environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert ping.returncode == 0 and "pong" in ping.stdout, (
            f"celery inspect ping: {ping.stdout}{ping.stderr}{deployment.logs()}"
        )
    assert deployment.gunicorn.poll() is None, f"gunicorn exited{deployment.logs()}"
    for log in (deployment.gunicorn_log, deployment.worker_log):
        assert "Traceback" not in log.read_text(errors="replace"), deployment.logs()
