"""Django settings. Everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url

from fupin.core.keys import key_from

BASE_DIR = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("FUPIN_WORK_DIR", Path.cwd()))

# Never a key in the source: FUPIN_SECRET_KEY, or a random one generated once into the data folder.
SECRET_KEY, SECRET_KEY_SOURCE = key_from("FUPIN_SECRET_KEY", WORK_DIR / "secret.key")
# The key of the audit chain's HMAC (fupin.core.audit), kept outside the database it protects.
FUPIN_AUDIT_KEY, FUPIN_AUDIT_KEY_SOURCE = key_from("FUPIN_AUDIT_KEY", WORK_DIR / "audit.key")
DEBUG = os.environ.get("FUPIN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("FUPIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "fupin.core",
    "fupin.areas",
    "fupin.registry",
    "fupin.assistance",
    "fupin.policy",
    "fupin.procedures",
    "fupin.exchange",
    "fupin.reports",
    "fupin.funds",
    "fupin.benefits",
    "fupin.monitoring",
    "fupin.figures",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fupin.core.middleware.RejectNullCharacters",
    "fupin.core.busy.BusyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fupin.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "fupin.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "fupin.core.middleware.ActorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fupin.urls"
WSGI_APPLICATION = "fupin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fupin.core.context_processors.navigation",
            ],
        },
    },
]

# Persistent connections (checked before reuse): the SQLite pragmas below run once per connection,
# not once per request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{WORK_DIR / 'fupin.sqlite3'}"),
        conn_max_age=int(os.environ.get("FUPIN_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if os.environ.get("FUPIN_TEST_DB_NAME"):
    # Lets parallel test runs on one PostgreSQL server keep out of each other's way.
    DATABASES["default"]["TEST"] = {"NAME": os.environ["FUPIN_TEST_DB_NAME"]}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web read while an import writes; IMMEDIATE avoids lock-upgrade deadlocks. A write
    # waits `timeout` seconds for the lock, then gets 503 「系统正忙」 (fupin.core.busy).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("FUPIN_DB_BUSY_TIMEOUT", "5")),
        # A 64 MB page cache and 256 MB of memory-mapped reads per connection: a province's indexes
        # stay in memory between requests (connections persist, above).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456; PRAGMA temp_store=MEMORY;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1  # hours
# The pair: one office behind one address is not locked out by one colleague's typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = os.environ.get("FUPIN_AXES", "1") == "1"
AXES_HANDLER = "fupin.core.axes_handler.DeferringAxesHandler"

# Sessions in a file cache, not the database: logging in must not wait for the write lock that an
# import's commit holds on SQLite (fupin.core.busy). Logout deletes the session on the server.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(Path(os.environ.get("FUPIN_SESSION_DIR", WORK_DIR / "sessions"))),
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"
SESSION_CACHE_ALIAS = "sessions"
# How long an import's final commit waits for the web's short writes to finish (seconds).
FUPIN_IMPORT_LOCK_WAIT = float(os.environ.get("FUPIN_IMPORT_LOCK_WAIT", "120"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(float(os.environ.get("FUPIN_SESSION_HOURS", "12")) * 3600)
# FUPIN_HTTPS=1: the site is reached over HTTPS through a reverse proxy (docs/operations.md), which
# sets X-Forwarded-Proto; `fupin serve` trusts that header only from FUPIN_PROXY (waitress drops it
# from anyone else).
HTTPS = os.environ.get("FUPIN_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("FUPIN_HSTS_SECONDS", str(365 * 24 * 3600)))
    # Opt-in: they bind every subdomain of the site's domain to HTTPS too (docs/operations.md).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("FUPIN_HSTS_SUBDOMAINS", "0") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("FUPIN_HSTS_PRELOAD", "0") == "1"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "fupin.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[str] = []  # each app keeps its own catalogue in <app>/locale
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = WORK_DIR / "staticfiles"
# Project-wide static files (vendored Bootstrap, htmx, ECharts; fupin.css) are not inside an app.
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = WORK_DIR / "media"

# Uploads (fupin.core.uploads): size of the file, and of a zip container (.xlsx) once inflated.
FUPIN_UPLOAD_MAX_BYTES = int(os.environ.get("FUPIN_UPLOAD_MAX_MB", "50")) * 1024 * 1024
FUPIN_UPLOAD_MAX_INFLATED_BYTES = int(os.environ.get("FUPIN_UPLOAD_MAX_INFLATED_MB", "500")) * 1024 * 1024
FUPIN_UPLOAD_MAX_RATIO = 200
FUPIN_UPLOAD_MAX_IMAGE_BYTES = int(os.environ.get("FUPIN_UPLOAD_MAX_IMAGE_MB", "10")) * 1024 * 1024
FUPIN_UPLOAD_MAX_IMAGE_PIXELS = 40_000_000
# The size limit applies while the file arrives, not only once it is on disk.
FILE_UPLOAD_HANDLERS = [
    "fupin.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Background work (fupin.core.jobs): django-tasks queued in the database, run by `fupin worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A running job whose worker is on another machine and has not reported for this long is ended as failed.
FUPIN_JOB_LEASE_SECONDS = int(os.environ.get("FUPIN_JOB_LEASE_SECONDS", "600"))
# Uploads, reports, marked workbooks and generated files are removed after this many days.
FUPIN_RETENTION_DAYS = int(os.environ.get("FUPIN_RETENTION_DAYS", "30"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # No Basic auth: it would run argon2 on every request. Scripts use a token (账号 → API 令牌).
        "fupin.core.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Per-user rate of the API view sets (fupin.registry.api.ApiUserThrottle), generous for scripts.
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("FUPIN_API_RATE", "20000/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fupin API",
    "DESCRIPTION": "扶贫信息系统 API：村、户、成员、收入（按用户的区域范围）",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # One enum per code list, whichever field uses it.
    "ENUM_NAME_OVERRIDES": {
        "PovertyCauseEnum": "fupin.core.codes.POVERTY_CAUSE.choices",
        "HouseholdStatusEnum": "fupin.core.codes.HOUSEHOLD_STATUS.choices",
    },
}

# Every handler carries the ID-number mask (fupin.core.pii): nothing personal reaches a log. The
# loggers Django configures itself (django, django.server) are redefined so theirs carry it too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "fupin.core.pii.MaskIdNumbers"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["mask_pii"],
        },
    },
    "loggers": {
        "django": {
            "handlers": ["console"],
            "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING"),
            "propagate": False,
        },
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("FUPIN_LOG_LEVEL", "WARNING")},
}

# Parquet snapshots of the registry (fupin.batch.snapshot; fupin snapshot export).
FUPIN_SNAPSHOT_DIR = Path(os.environ.get("FUPIN_SNAPSHOT_DIR", WORK_DIR / "snapshots"))
