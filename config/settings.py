"""The one settings module. Everything is driven by the environment (see `.env.example`).

`DEBUG` is off unless it is set: a forgotten variable gives a safe production system, not a debugging
one. With `DEBUG=1` (`make run` and `make test` set it) the app runs for development with no other
configuration: SQLite in the project folder, a broker kept in files under `var/`, a local-memory cache,
personal-data keys derived from the development secret. `DATABASE_URL`, `CELERY_BROKER_URL` and
`CACHE_URL` switch to PostgreSQL and Redis. With `DEBUG` off the app refuses to start without a real
`SECRET_KEY`, `ALLOWED_HOSTS` and personal-data keys, and without PostgreSQL, a real broker and a shared
cache unless `ALLOW_EMBEDDED_SERVICES` says a one-machine installation means to run without them
(`production_refusals()` at the end says what is missing). Importing it creates nothing on disk.
"""

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Reverse proxies in front of the app (nginx, a load balancer) that append the client's address to
# X-Forwarded-For. 0: the app is reached directly and REMOTE_ADDR is the client. With N, the client is
# the N-th address from the right of that header (core.client.client_address), and the proxy's
# X-Forwarded-Proto says whether the request came over HTTPS.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HTTPS: with DEBUG off every page is served over HTTPS only, tells browsers to remember that (HSTS),
# and sends cookies over HTTPS only. The health check stays reachable over plain HTTP for load balancers.
# A plain-HTTP intranet turns these off explicitly (and `check --deploy` then says so).
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
# HSTS preloading puts the domain on the browsers' built-in lists for public sites; an organisation's
# intranet host has no place there, so Django's reminder to preload is silenced.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "auditlog",
    "core",
    "complaints",
    "hotline",
    "reception",
    "feedback",
    "staff",
    "emergency",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.IdleSessionMiddleware",
    "core.middleware.SecondFactorMiddleware",
    "core.middleware.AuditContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a lockout into the sign-in page saying so.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation_items",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, beat) share the file: wait for a lock rather than fail at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://minsheng")}

AUTH_USER_MODEL = "core.User"
# django-axes first: it refuses a locked-out account before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 (memory-hard) for new and changed passwords; older hashes still sign in and are upgraded then.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "login"

# Sign-in. SIGN_IN_FAILURE_LIMIT wrong passwords for one account from one client address are allowed;
# the next wrong one locks that account for that address for SIGN_IN_LOCKOUT_MINUTES (django-axes,
# which locks at the failure that reaches its limit); the lockout is logged and an administrator can
# lift it at /audit/lockouts/.
AXES_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5) + 1
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGN_IN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.client.client_address"
AXES_LOCKOUT_CALLABLE = "core.sign_in.sign_in_locked"
AXES_VERBOSE = False
# Two-factor sign-in (TOTP, with recovery codes) for everyone who may reveal or export personal data
# unmasked and for administrators: on whenever DEBUG is off, unless this says otherwise.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("TWO_FACTOR_ISSUER", default="Minsheng")
# The administration never shows a user's authenticator secret or recovery codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A session ends after this many minutes without a request from its user (the reception board's own
# refreshes do not count), and after SESSION_MAX_HOURS in any case, or when the browser closes.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Simplified Chinese first: it is the language of the organisations that use Minsheng. A user's own
# choice (the language switch) is kept in a cookie and on their account; browsers' Accept-Language is
# deliberately not consulted, so a shared reception PC never flips language by itself.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Where `manage.py backup` writes its backups (the database and the uploaded files together).
BACKUP_DIR = env.path("BACKUP_DIR", default=str(VAR_DIR / "backups"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def _working_hours(value: str) -> list[tuple[str, str]]:
    """Parse "09:00-12:00,13:30-18:00" into ordered, non-overlapping (start, end) pairs."""
    periods = []
    for part in value.split(","):
        start, separator, end = part.strip().partition("-")
        if not separator or not (len(start) == len(end) == 5 and start < end):
            raise ImproperlyConfigured(
                f"WORKING_HOURS: cannot read {part!r}; write e.g. 09:00-12:00,13:30-18:00"
            )
        periods.append((start, end))
    if any(earlier[1] > later[0] for earlier, later in zip(periods, periods[1:], strict=False)):
        raise ImproperlyConfigured("WORKING_HOURS: periods must be in order and must not overlap")
    return periods


# The working periods of a working day, for deadlines counted in working hours and for "time left".
WORKING_HOURS = _working_hours(env.str("WORKING_HOURS", default="09:00-12:00,13:30-18:00"))

# Cases: an open case whose stage deadline falls within this many hours is "due soon".
CASE_DUE_SOON = timedelta(hours=env.int("CASE_DUE_SOON_HOURS", default=24))
# The largest attachment accepted, in megabytes.
CASE_ATTACHMENT_MAX_BYTES = env.int("CASE_ATTACHMENT_MAX_MB", default=20) * 1024 * 1024
CASES_PER_PAGE = 25
# Lists count at most this many matching rows (then say "1,000+"): see core.pagination.
LIST_COUNT_CAP = env.int("LIST_COUNT_CAP", default=1000)
# A matter from the same phone or ID number within this many days is shown as a possible repeat.
REPEAT_WINDOW_DAYS = env.int("REPEAT_WINDOW_DAYS", default=30)
# Notices: the address of the site in links of emails and SMS; SMS backend (core/sms.py); a delivery
# is tried this many times (with growing delays) before it is recorded as failed; a worker's claim on a
# delivery is taken over after this many seconds (the worker died).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SMS_BACKEND = env.str("SMS_BACKEND", default="core.sms.LoggingSmsBackend")
NOTICE_MAX_ATTEMPTS = env.int("NOTICE_MAX_ATTEMPTS", default=5)
NOTICE_CLAIM_SECONDS = env.int("NOTICE_CLAIM_SECONDS", default=600)
# How often beat runs the deadline sweep and the notices' catch-up pass.
ESCALATION_SWEEP_SECONDS = env.int("ESCALATION_SWEEP_SECONDS", default=60)
# Working days a department has to answer a supervision notice (督办通知) in writing.
SUPERVISION_ANSWER_WORKING_DAYS = env.int("SUPERVISION_ANSWER_WORKING_DAYS", default=2)

# KPIs (complaints.kpis): a case registered within this many days of the case it repeats (or is merged
# into) counts as a repeat contact; a department with fewer cases received in a month is left out of
# that month's ranking (红黑榜), which names this many departments at the top and at the bottom.
KPI_REPEAT_WINDOW_DAYS = env.int("KPI_REPEAT_WINDOW_DAYS", default=30)
KPI_RANKING_MIN_CASES = env.int("KPI_RANKING_MIN_CASES", default=10)
KPI_RANKING_SIZE = env.int("KPI_RANKING_SIZE", default=5)
# The dashboards' monthly figures are recomputed by beat this often (this month and the last); the
# months before are recomputed every night.
FIGURES_REFRESH_SECONDS = env.int("FIGURES_REFRESH_SECONDS", default=300)
# The public statistics page (信息公开) shows a count below this as "fewer than N", so that nobody can
# be identified from a small number.
DISCLOSURE_MIN_COUNT = env.int("DISCLOSURE_MIN_COUNT", default=5)

# The organisation's name as printed on documents handed to citizens (the acceptance notice).
ORGANISATION_NAME = env.str("ORGANISATION_NAME", default="")
# Reception: a visit of this many people or more is a group visit (集体访). Five follows the petition
# rules, under which a group of more than five must choose representatives.
RECEPTION_GROUP_SIZE = env.int("RECEPTION_GROUP_SIZE", default=5)
# The public portal: submissions accepted per client address and hour, and look-ups of a case
# number with a wrong query code before the address must wait an hour.
PORTAL_SUBMISSIONS_PER_HOUR = env.int("PORTAL_SUBMISSIONS_PER_HOUR", default=5)
PORTAL_TRACK_FAILURES_PER_HOUR = env.int("PORTAL_TRACK_FAILURES_PER_HOUR", default=20)
# A portal form sent back sooner than this many seconds after it was shown came from a bot.
PORTAL_MIN_FILL_SECONDS = env.int("PORTAL_MIN_FILL_SECONDS", default=3)
# Files a citizen may attach on the portal: per submission (count, total megabytes) and per client
# address and day, so that nobody fills the disk.
PORTAL_FILES_PER_SUBMISSION = env.int("PORTAL_FILES_PER_SUBMISSION", default=5)
PORTAL_FILES_MB_PER_SUBMISSION = env.int("PORTAL_FILES_MB_PER_SUBMISSION", default=20)
PORTAL_FILES_PER_DAY = env.int("PORTAL_FILES_PER_DAY", default=20)
PORTAL_FILES_MB_PER_DAY = env.int("PORTAL_FILES_MB_PER_DAY", default=60)
# Django refuses a request with more files than this outright (a clear 400), before any form reads it.
DATA_UPLOAD_MAX_NUMBER_FILES = 50

# Citizens' personal data (core.encryption): AES-256-GCM keys (comma-separated, URL-safe base64 of 32
# bytes, the first seals new values, all open old ones) and the keys of the look-up hashes (the same
# form, kept apart from them). Generate a key with `python manage.py personal_data_rekey --new-key`.
# Rotation: put the new key first, run `manage.py personal_data_rekey`, then remove the old key.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
PERSONAL_DATA_LOOKUP_KEYS = env.list("PERSONAL_DATA_LOOKUP_KEYS", default=[])
if DEBUG:
    # Development only: keys derived from the secret key, so a newcomer's machine needs no configuration.
    def _development_key(purpose: str) -> str:
        return base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{SECRET_KEY}".encode()).digest()).decode()

    PERSONAL_DATA_KEYS = PERSONAL_DATA_KEYS or [_development_key("minsheng-personal-data")]
    PERSONAL_DATA_LOOKUP_KEYS = PERSONAL_DATA_LOOKUP_KEYS or [_development_key("minsheng-lookup")]

# Retention (complaints.retention): the job archives closed cases and, when a case kind's retention
# period (data, in the administration) has passed, erases their personal data; every erasure is also
# appended to this file, which lives outside the database (and its backups) so that erasures can be
# replayed after a restore (`manage.py replay_erasures`). Keep it on disk that is backed up apart.
ERASURE_LEDGER_PATH = env.path("ERASURE_LEDGER_PATH", default=str(VAR_DIR / "erasure-ledger.jsonl"))
# Visits and calls that produced no case keep the visitor's or caller's personal data this many years.
UNLINKED_RETENTION_YEARS = env.int("UNLINKED_RETENTION_YEARS", default=3)
# A run archives at most this many cases and erases at most this many (the next night takes the rest),
# so that the first run after an upgrade with years of closed cases stays within its time limit.
RETENTION_CASES_PER_RUN = env.int("RETENTION_CASES_PER_RUN", default=20000)
# The audit log (reveals, exports, sign-in lockouts, changes to reference data and users) is kept this
# many days; the law asks for at least six months of logs, so less than 183 is refused.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=3 * 365)

# What the audit log records of changes (django-auditlog): reference data, users, roles (groups) and
# their permissions, before and after. Passwords and staff mobiles are recorded as changed, not shown.
AUDITLOG_INCLUDE_TRACKING_MODELS = (
    {
        "model": "core.user",
        "exclude_fields": ["last_login"],
        "mask_fields": ["password", "mobile"],
        "m2m_fields": ["groups", "user_permissions"],
    },
    {"model": "auth.group", "m2m_fields": ["permissions"]},
    "core.department",
    "core.departmentmembership",
    "core.calendaryear",
    "core.calendarday",
    "complaints.category",
    "complaints.slapolicy",
    "complaints.slastagerule",
    "complaints.escalationrule",
    "complaints.indicator",
    "complaints.retentionpolicy",
    # The hold's reason is erased with the case: the audit log records who set and released it, when.
    {"model": "complaints.legalhold", "exclude_fields": ["reason"]},
    "reception.receptionroom",
    "reception.leaderreceptionday",
    "hotline.knowledgearticle",
)
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True
AUDITLOG_MASK_CALLABLE = "core.audit.mask_value"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Emails (notices): in development written as files under var/mail/, one per message, where a developer
# can read them; a live system (DEBUG off) sends through SMTP by default (its EMAIL_* settings), so
# notices never pile up unseen in files.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="民声 Minsheng <noreply@localhost>")

# Celery. With no CELERY_BROKER_URL the broker is a folder of message files under var/: it needs no
# server and works across the web, worker and beat processes of one machine (kombu's filesystem
# transport). Production uses Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The folders are created by the processes that use them (config.celery), not here.
    BROKER_FOLDER = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_FOLDER / "queue"),
        "data_folder_out": str(BROKER_FOLDER / "queue"),
        "processed_folder": str(BROKER_FOLDER / "processed"),
        "control_folder": str(BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)
CELERY_TASK_IGNORE_RESULT = True
# A request that queues a task does not wait long for a broker that is down: the task's work is stored
# in the database first and the catch-up passes do it later (core.notices).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# The beat schedule, in one place. Each entry's task also exists as a management command.
CELERY_BEAT_SCHEDULE = {
    # Deadlines that act (complaints.escalation) and the notices' catch-up pass: every minute by default.
    "complaints-escalation-sweep": {
        "task": "complaints.tasks.escalation_sweep_task",
        "schedule": timedelta(seconds=ESCALATION_SWEEP_SECONDS),
    },
    "core-notices-catch-up": {
        "task": "core.tasks.notices_catch_up_task",
        "schedule": timedelta(seconds=ESCALATION_SWEEP_SECONDS),
    },
    # The dashboards' monthly figures: this month and the last every few minutes, a year back nightly.
    "dashboard-figures-refresh": {
        "task": "dashboard.tasks.figures_refresh_task",
        "schedule": timedelta(seconds=FIGURES_REFRESH_SECONDS),
    },
    # https://crontab.guru/#40_2_*_*_* : every night at 02:40.
    "dashboard-figures-refresh-year": {
        "task": "dashboard.tasks.figures_refresh_task",
        "schedule": crontab(minute="40", hour="2"),
        "kwargs": {"months_back": 12},
    },
    # https://crontab.guru/#15_3_*_*_* : every night at 03:15, when nobody is at the desk.
    "core-sessions-clear-expired": {
        "task": "core.tasks.sessions_clear_expired_task",
        "schedule": crontab(minute="15", hour="3"),
    },
    # https://crontab.guru/#10_2_*_*_* : every night at 02:10, archive closed cases and erase the personal
    # data of those whose retention has ended; audit rows past AUDIT_RETENTION_DAYS go too.
    "complaints-retention": {
        "task": "complaints.tasks.retention_task",
        "schedule": crontab(minute="10", hour="2"),
    },
    # https://crontab.guru/#0_9_*_*_1 : suggestions go to the departments in a weekly batch, Monday 09:00.
    "hotline-suggestions-forward": {
        "task": "hotline.tasks.suggestions_forward_task",
        "schedule": crontab(minute="0", hour="9", day_of_week="1"),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes logs every sign-in at INFO; lockouts are in the audit log (core.sign_in).
    "loggers": {"django.db.backends": {"level": "INFO"}, "axes": {"level": "WARNING"}},
}

SITE_TITLE = _("Minsheng")


# Production refuses to start on settings that would be unsafe or would lose data; development (DEBUG on)
# accepts them. ALLOW_EMBEDDED_SERVICES lets a deliberate one-machine installation run on SQLite, the
# file broker and a per-process cache with DEBUG off.
ALLOW_EMBEDDED_SERVICES = env.bool("ALLOW_EMBEDDED_SERVICES", default=False)


def production_refusals() -> list[str]:
    """What a system with DEBUG off must not start with, each said with what to set."""
    refusals = []
    if SECRET_KEY == _DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        refusals.append(
            "SECRET_KEY must be set to a long random value (at least 50 characters). Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not ALLOWED_HOSTS:
        refusals.append(
            "ALLOWED_HOSTS must list the host names this site answers to, comma-separated, "
            "e.g. ALLOWED_HOSTS=minsheng.example.cn"
        )
    if not PERSONAL_DATA_KEYS or not PERSONAL_DATA_LOOKUP_KEYS:
        refusals.append(
            "PERSONAL_DATA_KEYS and PERSONAL_DATA_LOOKUP_KEYS must each name a key (the citizens' "
            "personal data is stored encrypted). Generate keys with: python manage.py personal_data_rekey "
            "--new-key (with DEBUG=1 for that one command); keep them apart from the database's backups."
        )
    if AUDIT_RETENTION_DAYS < 183:
        refusals.append("AUDIT_RETENTION_DAYS must be at least 183: audit logs are kept six months or more.")
    if not ALLOW_EMBEDDED_SERVICES:
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
            refusals.append("DATABASE_URL must name a PostgreSQL database (SQLite is for development).")
        if CELERY_BROKER_URL.startswith("filesystem://"):
            refusals.append(
                "CELERY_BROKER_URL must name a Redis broker (the file broker is for development)."
            )
        if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
            refusals.append(
                "CACHE_URL must name a Redis cache: sign-in and portal limits must be shared by every "
                "web process."
            )
    return refusals


if not DEBUG and (_refusals := production_refusals()):
    raise ImproperlyConfigured(
        "DEBUG is off (a production system), and:\n- "
        + "\n- ".join(_refusals)
        + "\nFor development, set DEBUG=1 (make run and make test do). "
        "ALLOW_EMBEDDED_SERVICES=1 runs a one-machine installation on SQLite, the file broker and a "
        "per-process cache."
    )
