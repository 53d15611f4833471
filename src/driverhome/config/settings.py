"""The one settings module.

Everything configurable is read from the environment (and a ``.env`` file, for the
variables the environment leaves unset) through the typed helpers
in :mod:`driverhome.config.env`; every variable is listed in ``.env.example``
and in ``docs/operations.md``. With nothing set the platform runs on SQLite (WAL
mode) in ``./var``, generating a development secret key and field-encryption keys
there on first start.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from django.utils.translation import gettext_lazy as _

from .env import (
    EnvError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_path,
    env_str,
    env_url,
    parse_database_url,
    read_env_file,
)

# A .env file (default: ./.env; DRIVERHOME_ENV_FILE names another, or none when empty) fills
# in the variables the environment does not set: the environment always wins.
ENV_FILE = os.environ.get("DRIVERHOME_ENV_FILE", ".env")
ENV_FILE_LOADED = read_env_file(ENV_FILE) if ENV_FILE else []

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PACKAGE_DIR.parent.parent  # the checkout (src/driverhome/ -> ./)

ENV = env_choice("DRIVERHOME_ENV", ("development", "test", "production"), "development")
PRODUCTION = ENV == "production"
DATA_DIR = env_path("DRIVERHOME_DATA_DIR", Path.cwd() / "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)
KEYS_DIR = DATA_DIR / "keys"


def _dev_secret(filename: str, make) -> str:
    """A value generated once into the data folder (development and test only)."""
    KEYS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = KEYS_DIR / filename
    if not path.exists():
        value = make()
        try:
            with open(path, "x", encoding="ascii") as handle:
                handle.write(value)
            path.chmod(0o600)
        except FileExistsError:
            pass  # another process wrote it first: read theirs
    return path.read_text(encoding="ascii").strip()


# --- Secrets -----------------------------------------------------------------
SECRET_KEY = env_str("DRIVERHOME_SECRET_KEY")
SECRET_KEY_FROM_ENV = bool(SECRET_KEY)
if not SECRET_KEY and not PRODUCTION:
    SECRET_KEY = _dev_secret("secret_key", lambda: secrets.token_urlsafe(50))
if not SECRET_KEY:
    SECRET_KEY = "missing-secret-key"  # the system check `driverhome.E001` refuses this

# Field encryption (PII at rest): a comma-separated list of Fernet keys, newest first.
# Old keys stay in the list until `driverhome rotate-keys` has re-encrypted every value.
FIELD_ENCRYPTION_KEYS = env_list("DRIVERHOME_FIELD_KEYS")
# A separate, never-rotated key for the keyed hashes that allow exact lookup.
FIELD_LOOKUP_KEY = env_str("DRIVERHOME_LOOKUP_KEY")
FIELD_KEYS_FROM_ENV = bool(FIELD_ENCRYPTION_KEYS)
LOOKUP_KEY_FROM_ENV = bool(FIELD_LOOKUP_KEY)
if not PRODUCTION:
    if not FIELD_ENCRYPTION_KEYS:
        FIELD_ENCRYPTION_KEYS = [_dev_secret("field_key", lambda: Fernet.generate_key().decode())]
    if not FIELD_LOOKUP_KEY:
        FIELD_LOOKUP_KEY = _dev_secret("lookup_key", lambda: secrets.token_urlsafe(32))
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key.encode())
    except ValueError:
        raise EnvError(
            "DRIVERHOME_FIELD_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with `driverhome genkey`)"
        ) from None

# Off unless a developer asks for it: users get the platform's own error pages, never
# Django's debug page (which lists every URL and setting).
DEBUG = env_bool("DRIVERHOME_DEBUG", False)
ALLOWED_HOSTS = env_list(
    "DRIVERHOME_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("DRIVERHOME_CSRF_TRUSTED_ORIGINS")
SITE_URL = env_url("DRIVERHOME_SITE_URL", "http://127.0.0.1:8000")

# --- Applications --------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "huey.contrib.djhuey",
    "driverhome.core",
    "driverhome.accounts",
    "driverhome.holidays",
    "driverhome.stations",
    "driverhome.drivers",
    "driverhome.services",
    "driverhome.appeals",
    "driverhome.events",
    "driverhome.notifications",
    "driverhome.dashboard",
    # After the project's apps, so that the project's translations take precedence.
    "django.contrib.admin",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "driverhome.core.middleware.SecurityHeadersMiddleware",
    "driverhome.core.middleware.CallerFormatErrorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "driverhome.core.middleware.RequestContextMiddleware",
    "driverhome.core.middleware.RejectUnstorableInputMiddleware",
    "driverhome.core.middleware.LostRaceMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "driverhome.config.urls"
WSGI_APPLICATION = "driverhome.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
CSRF_FAILURE_VIEW = "driverhome.core.errorpages.csrf_failure"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "core:driver-home"

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
                "driverhome.core.context_processors.platform",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": parse_database_url("DATABASE_URL", DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "driverhome.core.sqlite",
            "NAME": DATA_DIR / "driverhome.sqlite3",
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write
                # lock at BEGIN so two writers queue (busy timeout) instead of deadlocking.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("DRIVERHOME_SQLITE_TIMEOUT", 20, min_value=1),
            },
            # Keep each worker thread's connection: opening one per request costs more than
            # most requests (the PRAGMAs run again and the page cache starts cold).
            "CONN_MAX_AGE": env_int("DRIVERHOME_CONN_MAX_AGE", 600, min_value=0),
            "CONN_HEALTH_CHECKS": True,
            "TEST": {"NAME": env_str("DRIVERHOME_TEST_SQLITE_NAME") or ":memory:"},
        }
    }
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = parse_database_url("DATABASE_REPLICA_URL", DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["driverhome.core.routers.ReportingReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background jobs -------------------------------------------
REDIS_URL = env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif ENV == "test":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": DATA_DIR / "cache",
        }
    }

JOBS_IMMEDIATE = env_bool("DRIVERHOME_JOBS_IMMEDIATE", ENV == "test")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("DRIVERHOME_JOBS_QUEUE", "driverhome"),
        "url": REDIS_URL,
        "immediate": JOBS_IMMEDIATE,
        "consumer": {"workers": env_int("DRIVERHOME_JOB_WORKERS", 4, min_value=1)},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "driverhome",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        # No fsync per enqueue: a job lost to a power cut is found again by the
        # notifications sweep (queued rows in the main database are the durable queue).
        "fsync": False,
        "immediate": JOBS_IMMEDIATE,
        "consumer": {"workers": env_int("DRIVERHOME_JOB_WORKERS", 2, min_value=1)},
    }
HUEY["consumer"]["worker_type"] = "thread"

# --- Authentication -----------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "driverhome.accounts.backends.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env_int("DRIVERHOME_LOGIN_FAILURE_LIMIT", 5, min_value=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("DRIVERHOME_LOGIN_LOCKOUT_MINUTES", 15, min_value=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "driverhome.accounts.views.locked_out"
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# The lockout records are registered with the admin by accounts/admin.py (releasing a lock is audited).
AXES_ENABLE_ADMIN = False

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env_str("DRIVERHOME_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS: list = []  # each app keeps its own catalogue in <app>/locale/

# --- Static files and uploads ------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "uploads")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STORAGE_BACKEND = env_str("DRIVERHOME_STORAGE_BACKEND")  # e.g. an S3-compatible backend path
if STORAGE_BACKEND:
    STORAGES["default"] = {"BACKEND": STORAGE_BACKEND, "OPTIONS": {}}
MEDIA_ROOT = DATA_DIR / "uploads"  # outside the web root; served by permission-checked views
UPLOAD_MAX_BYTES = env_int("DRIVERHOME_UPLOAD_MAX_BYTES", 8 * 1024 * 1024, min_value=1024)
# Roster imports (drivers/importer.py): the largest file, the memory of the process that
# reads a spreadsheet, how long an upload is kept, when a running job counts as gone.
IMPORT_MAX_BYTES = env_int("DRIVERHOME_IMPORT_MAX_BYTES", 50 * 1024 * 1024, min_value=1024)
IMPORT_READ_MAX_MB = env_int("DRIVERHOME_IMPORT_READ_MAX_MB", 1024, min_value=256)
IMPORT_UPLOAD_RETENTION_HOURS = env_int("DRIVERHOME_IMPORT_UPLOAD_RETENTION_HOURS", 24, min_value=1)
IMPORT_STALE_SECONDS = env_int("DRIVERHOME_IMPORT_STALE_SECONDS", 300, min_value=60)
DATA_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 4 * 1024 * 1024

# --- Security headers ---------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie
SESSION_COOKIE_SECURE = env_bool("DRIVERHOME_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DRIVERHOME_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("DRIVERHOME_HSTS_SECONDS", 31536000 if PRODUCTION else 0, min_value=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DRIVERHOME_BEHIND_PROXY", False) else None
)
TRUSTED_PROXY_COUNT = env_int("DRIVERHOME_TRUSTED_PROXIES", 0, min_value=0)

# --- Maps ------------------------------------------------------------------------------------
MAP_TILE_URL = env_str(
    "MAP_TILE_URL"
)  # e.g. http://t{s}.tianditu.gov.cn/... on the deployment's network
MAP_TILE_CRS = env_choice("MAP_TILE_CRS", ("wgs84", "gcj02"), "wgs84")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION")

# --- Notifications ---------------------------------------------------------------------------
# "log" (the default: messages are written to the log), "aliyun", "tencent", or a class path.
SMS_BACKEND = env_str("DRIVERHOME_SMS_BACKEND", "log")
# The provider template of each kind of message (TOML or JSON; see docs/operations.md).
SMS_TEMPLATES_FILE = env_str("DRIVERHOME_SMS_TEMPLATES")
# SMS per number per day (local time) before the provider's own cap; 0 = no limit.
SMS_DAILY_LIMIT = env_int("DRIVERHOME_SMS_DAILY_LIMIT", 10, min_value=0)
SMS_TIMEOUT_SECONDS = env_int("DRIVERHOME_SMS_TIMEOUT", 10, min_value=1)
# The secret part of the delivery-report callback addresses given to the provider.
SMS_REPORT_TOKEN = env_str("DRIVERHOME_SMS_REPORT_TOKEN")
ALIYUN_SMS = {
    "access_key_id": env_str("DRIVERHOME_ALIYUN_SMS_ACCESS_KEY_ID"),
    "access_key_secret": env_str("DRIVERHOME_ALIYUN_SMS_ACCESS_KEY_SECRET"),
    "endpoint": env_url("DRIVERHOME_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com"),
}
TENCENT_SMS = {
    "secret_id": env_str("DRIVERHOME_TENCENT_SMS_SECRET_ID"),
    "secret_key": env_str("DRIVERHOME_TENCENT_SMS_SECRET_KEY"),
    "sdk_app_id": env_str("DRIVERHOME_TENCENT_SMS_SDK_APP_ID"),
    "region": env_str("DRIVERHOME_TENCENT_SMS_REGION", "ap-guangzhou"),
    "endpoint": env_url("DRIVERHOME_TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com"),
}

# --- WeChat service account ---------------------------------------------------------------
# Drivers log in from the account's menu (OAuth web authorisation, bound once by an SMS code)
# and get request updates as template notices; without an app id and secret nothing is shown.
WECHAT = {
    "app_id": env_str("DRIVERHOME_WECHAT_APP_ID"),
    "app_secret": env_str("DRIVERHOME_WECHAT_APP_SECRET"),
    # The token of the account's server URL (/hooks/wechat/): WeChat signs with it.
    "token": env_str("DRIVERHOME_WECHAT_TOKEN"),
    "api_base": env_url("DRIVERHOME_WECHAT_API_BASE", "https://api.weixin.qq.com"),
    "oauth_base": env_url("DRIVERHOME_WECHAT_OAUTH_BASE", "https://open.weixin.qq.com"),
    "timeout": env_int("DRIVERHOME_WECHAT_TIMEOUT", 5, min_value=1),
}

# --- Staff single sign-on (OpenID Connect) -------------------------------------------------------
# The identity provider's discovery document names its endpoints and keys; a staff member is
# matched to an existing account (never created from claims).
OIDC = {
    "discovery_url": env_url("DRIVERHOME_OIDC_DISCOVERY_URL", ""),
    "client_id": env_str("DRIVERHOME_OIDC_CLIENT_ID"),
    "client_secret": env_str("DRIVERHOME_OIDC_CLIENT_SECRET"),
    "scope": env_str("DRIVERHOME_OIDC_SCOPE", "openid profile"),
    # The claim whose value is a staff account's username, for the first log-in of a subject.
    "username_claim": env_str("DRIVERHOME_OIDC_USERNAME_CLAIM", "preferred_username"),
    "timeout": env_int("DRIVERHOME_OIDC_TIMEOUT", 5, min_value=1),
}
# "all": everyone may still log in with a password; "admins": of staff, administrators only.
STAFF_PASSWORD_LOGIN = env_choice("DRIVERHOME_STAFF_PASSWORD_LOGIN", ("all", "admins"), "all")

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env_choice("DRIVERHOME_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "driverhome.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "huey": {"level": "WARNING" if ENV == "test" else "INFO"},
        "jieba": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Its debug lines carry whole request addresses (WeChat's token call has the secret).
        "urllib3": {"level": "WARNING"},
    },
}

# --- Domain defaults ------------------------------------------------------------------------------
AVAILABILITY_STALE_MINUTES = env_int("DRIVERHOME_AVAILABILITY_STALE_MINUTES", 30, min_value=1)
# Event check-in opens this many minutes before the start and closes at the end.
EVENT_CHECK_IN_OPENS_MINUTES = env_int("DRIVERHOME_EVENT_CHECK_IN_OPENS_MINUTES", 120, min_value=0)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "driverhome2026")
RATE_LIMITS_ENABLED = env_bool("DRIVERHOME_RATE_LIMITS", ENV != "test")

PLATFORM_NAME = _("Driver's Home")
