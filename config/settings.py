"""The one settings module. Everything is driven by the environment (see `.env.example`).

With no configuration the app runs for development: SQLite in the project folder, a broker kept in
files under `var/`, a local-memory cache. `DATABASE_URL`, `CELERY_BROKER_URL` and `CACHE_URL` switch to
PostgreSQL and Redis. With `DEBUG` off the app refuses to start without a real `SECRET_KEY` and
`ALLOWED_HOSTS`.
"""

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

DEBUG = env.bool("DEBUG", default=True)

_DEVELOPMENT_SECRET_KEY = "development-only-secret-key-do-not-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if not DEBUG:
    if SECRET_KEY == _DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured(
            "DEBUG is off, so SECRET_KEY must be set to a long random value (at least 32 characters) "
            "in the environment or in .env. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off, so ALLOWED_HOSTS must list the host names this site answers to, "
            "comma-separated, e.g. ALLOWED_HOSTS=minsheng.example.cn"
        )
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

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
    "core.middleware.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:workspace"
LOGOUT_REDIRECT_URL = "login"

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
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
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

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Without configuration, emails (notices) are written as files under var/mail/, one per message, where a
# developer can read them; a live system sets EMAIL_BACKEND to SMTP and its EMAIL_* settings.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
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
_BROKER_FOLDER = VAR_DIR / "broker"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for _sub in ("queue", "processed"):
        (_BROKER_FOLDER / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_FOLDER / "queue"),
        "data_folder_out": str(_BROKER_FOLDER / "queue"),
        "processed_folder": str(_BROKER_FOLDER / "processed"),
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
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

SITE_TITLE = _("Minsheng")
