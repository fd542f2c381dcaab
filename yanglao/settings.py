"""Settings, read from the environment.

The embedded default needs no environment at all: SQLite under ``var/``, the secret
and field keys generated there on first run. In production (``YANGLAO_ENV=production``)
every secret must come from the environment and a bad value fails loudly.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


YANGLAO_ENV = env_str("YANGLAO_ENV", "development")
if YANGLAO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"YANGLAO_ENV must be development, production or test, not {YANGLAO_ENV!r}"
    )
PRODUCTION = YANGLAO_ENV == "production"

VAR_DIR = Path(env_str("YANGLAO_VAR_DIR", str(BASE_DIR / "var")))


def _var_secret(filename: str, make) -> str:
    """A secret kept under var/ for the embedded default; never used in production."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def _required_in_production(name: str, filename: str, make) -> str:
    value = env_str(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when YANGLAO_ENV=production")
    return _var_secret(filename, make)


SECRET_KEY = _required_in_production(
    "YANGLAO_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50)
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("YANGLAO_SECRET_KEY must be at least 50 characters")


def _decode_key(name: str, raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw.encode() + b"=" * (-len(raw) % 4))
    except (ValueError, TypeError):
        raise ImproperlyConfigured(f"{name} must be 32 bytes in url-safe base64") from None
    if len(key) != 32:
        raise ImproperlyConfigured(f"{name} must be 32 bytes in url-safe base64")
    return key


def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


# Sensitive fields: AES-GCM key and HMAC index key, kept outside the database.
# YANGLAO_FIELD_KEYS may hold several comma-separated keys "id:key"; the first encrypts.
_field_keys_raw = _required_in_production(
    "YANGLAO_FIELD_KEYS", "field_keys", lambda: f"k1:{_new_key()}"
)
FIELD_KEYS: dict[str, bytes] = {}
for _item in _field_keys_raw.split(","):
    if ":" not in _item:
        raise ImproperlyConfigured("YANGLAO_FIELD_KEYS entries look like 'k1:<base64 key>'")
    _kid, _raw = _item.strip().split(":", 1)
    FIELD_KEYS[_kid] = _decode_key("YANGLAO_FIELD_KEYS", _raw)
FIELD_KEY_CURRENT = next(iter(FIELD_KEYS))
INDEX_KEY = _decode_key(
    "YANGLAO_INDEX_KEY", _required_in_production("YANGLAO_INDEX_KEY", "index_key", _new_key)
)
# Backups (yanglao backup / restore): AES-GCM key, 32 bytes url-safe base64. `yanglao backup`
# refuses to run without it in production; elsewhere yanglao.ops.backup derives one.
_backup_key_raw = env_str("YANGLAO_BACKUP_KEY")
BACKUP_KEY = _decode_key("YANGLAO_BACKUP_KEY", _backup_key_raw) if _backup_key_raw else None

DEBUG = env_bool("YANGLAO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("YANGLAO_DEBUG cannot be on when YANGLAO_ENV=production")

ALLOWED_HOSTS = env_list(
    "YANGLAO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("YANGLAO_ALLOWED_HOSTS must be set when YANGLAO_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("YANGLAO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "ninja",
    "huey.contrib.djhuey",
    "yanglao.core",
    "yanglao.regions",
    "yanglao.accounts",
    "yanglao.policy",
    "yanglao.dashboard",
    "yanglao.people",
    "yanglao.elders",
    "yanglao.notify",
    "yanglao.visits",
    "yanglao.alerts",
    "yanglao.services",
    "yanglao.facilities",
    "yanglao.party",
    "yanglao.funding",
    "yanglao.planning",
    "yanglao.community",
    "yanglao.supervision",
    "yanglao.insights",
    "yanglao.timebank",
    "yanglao.reports",
    "yanglao.interop",
    "yanglao.ops",
    "yanglao.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yanglao.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "yanglao.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "yanglao.core.errors.DomainErrorMiddleware",
    "yanglao.core.unavailable.ServiceUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yanglao.urls"
WSGI_APPLICATION = "yanglao.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yanglao.core.context_processors.shell",
            ],
        },
    }
]

# Database: SQLite (WAL) under var/ by default; PostgreSQL through DATABASE_URL.
_database_url = env_str("DATABASE_URL")
if _database_url:
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
        # A persistent connection broken by a database restart is dropped at the next
        # request instead of failing it; a server that does not answer fails in 5 s.
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        if DATABASES["default"]["ENGINE"].endswith("postgresql"):
            DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    except Exception as exc:  # dj_database_url raises several types for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("YANGLAO_SQLITE_PATH", str(VAR_DIR / "yanglao.sqlite3")),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background jobs: Huey on SQLite by default, Redis when REDIS_URL is set.
_redis_url = env_str("REDIS_URL")
HUEY = {
    "name": "yanglao",
    "immediate": env_bool("YANGLAO_HUEY_IMMEDIATE", YANGLAO_ENV == "test"),
    "utc": True,
}
if _redis_url:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": _redis_url})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "huey.sqlite3")})

# Notifications (SMS, app messages): every message is kept in the database; the adapter
# decides where it goes. The default writes it to the log (no outside calls).
# Links in messages (survey, request pages) start with this address.
PUBLIC_BASE_URL = env_str("YANGLAO_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
NOTIFY_ADAPTER = env_str("YANGLAO_NOTIFY_ADAPTER", "yanglao.notify.adapters.ConsoleAdapter")
if not re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", NOTIFY_ADAPTER or ""):
    raise ImproperlyConfigured(
        f"YANGLAO_NOTIFY_ADAPTER must be a dotted class path, not {NOTIFY_ADAPTER!r}"
    )

# Hospital appointments (预约挂号): the adapter to the hospital information system. The
# default is a local stand-in that keeps its own books in the database (no outside calls).
HOSPITAL_ADAPTER = env_str("YANGLAO_HOSPITAL_ADAPTER", "yanglao.services.hospital.StandInHospital")
if not re.fullmatch(r"[A-Za-z_][\w.]*\.[A-Za-z_]\w*", HOSPITAL_ADAPTER or ""):
    raise ImproperlyConfigured(
        f"YANGLAO_HOSPITAL_ADAPTER must be a dotted class path, not {HOSPITAL_ADAPTER!r}"
    )

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:workbench"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "yanglao.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "yanglao.accounts.passwords.CharacterClassValidator", "OPTIONS": {"classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout (等保 level 3): 5 failures lock the account for 30 minutes.
AXES_FAILURE_LIMIT = env_int("YANGLAO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("YANGLAO_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Locking by account is the rule (等保); adding the IP would lock a whole township office
# behind one NAT address after five typos by different people, so axes.W006 is silenced.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yanglao.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

# Sessions: a new session at login (Django rotates the key), idle timeout 15 minutes,
# absolute lifetime 8 hours (SessionTimeoutMiddleware enforces both).
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("YANGLAO_IDLE_MINUTES", 15, minimum=1))
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("YANGLAO_SESSION_HOURS", 8, minimum=1))
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "yanglao.core.errors.csrf_failure"

# TOTP second factor for administrator roles; required in production.
YANGLAO_REQUIRE_2FA = env_bool("YANGLAO_REQUIRE_2FA", PRODUCTION)
OTP_TOTP_ISSUER = "Yanglao"

API_TOKEN_DEFAULT_DAYS = env_int("YANGLAO_TOKEN_DAYS", 90, minimum=1)

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("YANGLAO_SSL_REDIRECT", True)
    # A load balancer may probe gunicorn directly over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("YANGLAO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Tabler and ECharts set inline style attributes; scripts stay strict.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("YANGLAO_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest spreadsheet an upload page takes (core/uploads.py; the elder import has its own).
YANGLAO_SHEET_MAX_BYTES = env_int("YANGLAO_SHEET_MAX_MB", 50, minimum=1) * 1024 * 1024

# The national region tree shipped beside the project (../shared/data/regions).
REGION_DATA_DIR = Path(env_str("YANGLAO_REGION_DATA", str(PACKAGE_DIR / "regions" / "data")))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YANGLAO_LOG_LEVEL", "WARNING")},
}

NINJA_PAGINATION_PER_PAGE = 50
