"""Settings for the IC Integration Portal, read from the environment (12-factor).

Every variable is optional; the defaults give the embedded set-up (SQLite file in the
project folder, django-q2's ORM broker). See README.md for production.
"""
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from icportal.env import dev_secret_key, envbool, envbroker, envdatabase, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DEBUG", False)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY: must be set when DEBUG is off")
    # one key for every process of the checkout (web, workers, manage.py): django-q2 signs
    # tasks with it, so a worker with another key would refuse every task
    SECRET_KEY = dev_secret_key(BASE_DIR / ".secret_key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS: must list the portal's host names when DEBUG is off")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "import_export",
    "django_q",
    "ninja",  # the partner API's docs page serves its bundled Swagger UI files, no CDN
    "billers",
    "ledger",
    "ingest",
    "exports",
    "api",
    "design",
    "operations",
    "desk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "icportal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "icportal.wsgi.application"

DATABASES = {"default": envdatabase("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Several processes (web + qcluster) share the file: wait for locks instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Write-ahead log: pages keep answering (readers never wait) while a worker writes a load.
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
FORMAT_MODULE_PATH = ["icportal.formats"]   # every date-time shown with its zone (issue 12)
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic's target; whitenoise serves it (a container sets e.g. /app/staticfiles)
STATIC_ROOT = Path(envstr("STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

MEDIA_ROOT = Path(envstr("MEDIA_ROOT") or BASE_DIR / "media")
MEDIA_URL = None  # uploads and exports are served only through permission-checked views

MAX_UPLOAD_MB = envint("MAX_UPLOAD_MB", 200, minimum=1)
# Parsed records are staged and loaded this many rows per database round trip.
INGEST_BATCH_SIZE = envint("INGEST_BATCH_SIZE", 1000, minimum=1)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGIN_URL = "admin:login"

# The watched inbox (operations.inbox): a folder per biller (its slug) under INBOX_ROOT, scanned by
# `manage.py scan_inbox` and by a django-q2 schedule every INBOX_SCAN_SECONDS (0: no schedule).
INBOX_ROOT = Path(envstr("INBOX_ROOT") or BASE_DIR / "inbox")
INBOX_SCAN_SECONDS = envint("INBOX_SCAN_SECONDS", 60, minimum=0)
# Alerts (operations.alerts): a parsed load waiting longer than this for approval (minutes; a
# biller's expected file can set its own), a scheduled export run missing this long after its time.
ALERT_APPROVAL_WAIT_MINUTES = envint("ALERT_APPROVAL_WAIT_MINUTES", 240, minimum=1)
ALERT_EXPORT_GRACE_MINUTES = envint("ALERT_EXPORT_GRACE_MINUTES", 60, minimum=0)

# E-mail (alerts to the billers' contacts): the console backend unless EMAIL_HOST is set.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_BACKEND = ("django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
                 else "django.core.mail.backends.console.EmailBackend")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL") or "icportal@localhost"

# django-q2: the ORM broker needs no service; Q_BROKER=redis://... for production.
Q_BROKER = envbroker("Q_BROKER", "orm")
Q_TIMEOUT = envint("Q_TIMEOUT", 3600, minimum=60)
Q_CLUSTER = {
    # Web and workers must share the name (it keys the Redis queue and signs the tasks);
    # two portals sharing one Redis set different names.
    "name": envstr("Q_CLUSTER_NAME") or "icportal",
    "workers": envint("Q_WORKERS", 2, minimum=1),
    # A task is given up after `timeout` seconds; `retry` must be larger so that a running
    # long load is never handed to a second worker.
    "timeout": Q_TIMEOUT,
    "retry": Q_TIMEOUT + 600,
    "max_attempts": envint("Q_MAX_ATTEMPTS", 2, minimum=1),
    "ack_failures": True,
    "save_limit": 1000,
    "catch_up": False,
    "label": "Background tasks",
}
if Q_BROKER == "orm":
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 0.5
else:
    Q_CLUSTER["redis"] = Q_BROKER
# A load queued this many seconds with no worker alive says so on its page.
NO_WORKER_AFTER_SECONDS = envint("NO_WORKER_AFTER_SECONDS", 120, minimum=1)

# The workers' heartbeats (django-q2's cluster stats) must be visible to the web: they live in
# Redis with the Redis broker, and in this cache with the ORM broker, so the cache is one that
# web and workers share: with SQLite (web and workers on one machine) files in <project>/.cache,
# which take no write lock in the database; otherwise a table of the database (made by `migrate`).
if Q_BROKER != "orm":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": Q_BROKER}}
elif DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(BASE_DIR / ".cache")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "icportal_cache"}}

# Security headers; the HTTPS ones apply when DEBUG is off (production behind TLS).
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"task_signature": {"()": "icportal.workers.TaskSignatureHint"}},
    "loggers": {"django-q": {"filters": ["task_signature"]}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

SIMPLE_HISTORY_REVERT_DISABLED = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
