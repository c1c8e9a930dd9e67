"""Kodeverk settings. Everything that differs between machines comes from the environment.

The helpers below fail loudly: a typo in an environment variable stops the app at start-up
instead of quietly running with a default.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no), not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


_TEST_DIR = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


def envdatabase(name, default):
    """Parse DATABASE_URL: sqlite:///relative/or//absolute/path, or postgres://user:pw@host:port/db."""
    url = os.environ.get(name) or default
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path[1:] if parts.path.startswith("/") else parts.path)
        if not path:
            raise ImproperlyConfigured(f"{name} names no SQLite file: {url!r}")
        path = Path(path) if Path(path).is_absolute() else BASE_DIR / path
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": path,
            # WAL lets readers go on while one analyst writes.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                        "transaction_mode": "IMMEDIATE"},
            # Kept for the next request, as on PostgreSQL: opening the file costs 1.2-1.5 ms of CPU (the
            # schema read, the PRAGMAs, Django's SQL functions), on every request otherwise (issue 15).
            "CONN_MAX_AGE": envint("CONN_MAX_AGE", 60),
            # The test database is a file, not memory, so that a test can start a real task worker on it;
            # one per test process, so two runs never share it; in shared memory where there is some.
            "TEST": {"NAME": _TEST_DIR / f"kodeverk-test-{os.getpid()}.sqlite3"},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.path.strip("/"):
            raise ImproperlyConfigured(f"{name} names no PostgreSQL database: {url!r}")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": envint("CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            # Values bound on the server, and a statement run five times on a connection prepared (psycopg's
            # default, which Django turns off for transaction poolers; the deployment has none): PostgreSQL
            # then stops planning the reads every request runs again, which was most of their time (the
            # excerpts of a window: 0.29 ms of planning, 0.07 of running). Issue 15.
            "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
        }
    raise ImproperlyConfigured(f"{name} must start with sqlite:// or postgres://, not {url!r}")


DEBUG = envbool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "django-insecure-development-only-kodeverk-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "csp",
    "axes",
    "django_tasks_db",
    "planner",
    "interviews",
    "coding",
    "coding.review",
    "coding.exports",
]

MIDDLEWARE = [
    # First: its request id and duration cover every other middleware (planner/logs.py).
    "planner.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "planner.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "planner.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "planner.urls"
WSGI_APPLICATION = "planner.wsgi.application"

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
            ],
        },
    },
]

DATA_DIR = Path(os.environ.get("DATA_DIR") or BASE_DIR / "data")
DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kodeverk.sqlite3'}")}
if not os.environ.get("DATABASE_URL"):
    # The embedded database needs its folder; SQLite creates the file, not the folder.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one user name from one
# address, that pair is locked for AXES_COOLOFF_MINUTES; the lead (members page) or an admin unlocks.
# Locking the pair, not the name alone, keeps a stranger from locking a colleague out from anywhere.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "planner.views.login_locked"
AXES_CLIENT_IP_CALLABLE = "planner.lockouts.client_address"
# How many reverse proxies in front of the app append to X-Forwarded-For (nginx: 1); 0 reads REMOTE_ADDR.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "planner:project_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic puts the files whitenoise serves.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "planner.storage.StaticFilesStorage"},
}

# Upload limit for one transcript or plan file (MB); bigger files are refused with a message.
UPLOAD_MAX_MB = envint("UPLOAD_MAX_MB", 25)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_MB * 1024 * 1024 + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Longest memo, theme summary, county note or plan note, in characters (planner.validators.note_length).
KODEVERK_MAX_NOTE_CHARS = envint("KODEVERK_MAX_NOTE_CHARS", 20_000)
# Interview recordings (personal data): stored here, outside STATIC_ROOT, and served only through the app.
KODEVERK_RECORDINGS_ROOT = Path(os.environ.get("KODEVERK_RECORDINGS_ROOT") or DATA_DIR / "recordings")
# The largest recording accepted, counted while it streams in (to a temporary file, never into memory).
KODEVERK_RECORDING_MAX_MB = envint("KODEVERK_RECORDING_MAX_MB", 500)
if KODEVERK_MAX_NOTE_CHARS < 1:
    raise ImproperlyConfigured(f"KODEVERK_MAX_NOTE_CHARS must be at least 1, not {KODEVERK_MAX_NOTE_CHARS}")
# Uploads are counted as they stream in: a file past UPLOAD_MAX_MB is dropped there, never kept whole.
FILE_UPLOAD_HANDLERS = [
    "planner.uploads.LimitedMemoryUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Caps on one transcript, checked while the file is read (a 3-hour group interview has some 4,200
# turns and 650,000 characters): a file past one is refused with a message and nothing is stored.
KODEVERK_MAX_TURNS = envint("KODEVERK_MAX_TURNS", 20_000)
KODEVERK_MAX_TEXT_CHARS = envint("KODEVERK_MAX_TEXT_CHARS", 3_000_000)
# PDF text is extracted in a child process with at most this much memory (address space) and time, and
# at most this many pages (plans have 30 to a few hundred) and KODEVERK_MAX_TEXT_CHARS characters.
KODEVERK_PDF_MEMORY_MB = envint("KODEVERK_PDF_MEMORY_MB", 256)
KODEVERK_PDF_SECONDS = envint("KODEVERK_PDF_SECONDS", 60)
KODEVERK_PDF_MAX_PAGES = envint("KODEVERK_PDF_MAX_PAGES", 1_000)
for _limit in ("KODEVERK_MAX_TURNS", "KODEVERK_MAX_TEXT_CHARS", "KODEVERK_PDF_MEMORY_MB", "KODEVERK_PDF_SECONDS",
               "KODEVERK_PDF_MAX_PAGES"):
    if globals()[_limit] < 1:
        raise ImproperlyConfigured(f"{_limit} must be at least 1, not {globals()[_limit]}")

# How often the coding view asks for colleagues' changes (seconds; the browser tests ask every second).
KODEVERK_CHANGES_POLL_SECONDS = 3

# Background work (exports) runs as tasks of Django's task framework. "database": a task waits in the
# database until a `manage.py db_worker` process, beside the web server, runs it. "immediate": the task
# runs inside the request that starts it (the tests; never in production, a long export would block).
TASK_BACKENDS = {"database": "django_tasks_db.DatabaseBackend",
                 "immediate": "django_tasks.backends.immediate.ImmediateBackend"}
KODEVERK_TASKS = os.environ.get("KODEVERK_TASKS", "database")
if KODEVERK_TASKS not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"KODEVERK_TASKS must be one of {', '.join(TASK_BACKENDS)}, not {KODEVERK_TASKS!r}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[KODEVERK_TASKS]}}
# A test hook only: a dotted path to a function called with (done, total) at each progress report of an
# export, so that a test can make an export slow enough to interrupt it. Empty in production.
KODEVERK_EXPORT_STEP_HOOK = os.environ.get("KODEVERK_EXPORT_STEP_HOOK", "")
# Seconds without a heartbeat after which a running export counts as lost and is queued again
# (a running export writes one at least every second or two).
KODEVERK_TASK_STALE_SECONDS = envint("KODEVERK_TASK_STALE_SECONDS", 30)

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts and nothing from other origins. Style attributes are allowed (theme colours are
# data, set per element); style elements are not. Django's admin still relies on a few inline styles.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
    },
}
# Browser features the app never uses are off for every page. Recordings may be played later: playing
# needs none of these (a click starts it, so no autoplay); full screen stays for our own pages.
PERMISSIONS_POLICY = ", ".join([
    "accelerometer=()", "autoplay=()", "camera=()", "display-capture=()", "fullscreen=(self)",
    "geolocation=()", "gyroscope=()", "hid=()", "magnetometer=()", "microphone=()", "midi=()",
    "payment=()", "screen-wake-lock=()", "serial=()", "usb=()", "xr-spatial-tracking=()",
])
if not DEBUG:
    # Behind a TLS-terminating proxy (nginx, a load balancer) that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # A load balancer's health check may ask a web machine over plain HTTP; it is not redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

# Logs go to stdout, one line per record; a service manager or container runtime collects them.
# "json" (the default in production): JSON lines with timestamp, level, logger, message and the request's
# id, user id, method and path (planner/logs.py); "text": one plain line each (the default with DEBUG).
LOG_FORMATS = {"json", "text"}
LOG_LEVEL = os.environ.get("LOG_LEVEL", "WARNING")
KODEVERK_LOG_FORMAT = os.environ.get("KODEVERK_LOG_FORMAT") or ("text" if DEBUG else "json")
if KODEVERK_LOG_FORMAT not in LOG_FORMATS:
    raise ImproperlyConfigured(f"KODEVERK_LOG_FORMAT must be json or text, not {KODEVERK_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "planner.logs.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "planner.logs.json_formatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                             "formatter": KODEVERK_LOG_FORMAT, "filters": ["request"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # One line per request (status, duration), whatever LOG_LEVEL says for the rest.
        "kodeverk.requests": {"level": "INFO"},
        # Django's own records go to the one handler above, not also to its default console (stderr).
        "django": {"handlers": [], "level": LOG_LEVEL},
    },
}
