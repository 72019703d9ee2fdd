"""Settings, all from the environment.

Safe defaults for production: DEBUG is off unless ``GRIDGOV_DEBUG=1``; with ``GRIDGOV_HTTPS=1`` cookies are
secure and HSTS is sent. The default database is SQLite (WAL) under ``GRIDGOV_DATA_DIR`` (``./var/``), so the
demo and the tests need no server; ``DATABASE_URL=postgres://…`` switches to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent  # src/gridgov
DATA_DIR = Path(os.environ.get("GRIDGOV_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("GRIDGOV_DEBUG")
TESTING = env_bool("GRIDGOV_TESTING")

_secret_file = DATA_DIR / "secret_key"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # A per-installation key kept in the data directory: never a key shipped in the source.
    if not _secret_file.exists():
        import secrets

        _secret_file.write_text(secrets.token_urlsafe(50))
        _secret_file.chmod(0o600)
    SECRET_KEY = _secret_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "gridgov.core",
    "gridgov.accounts",
    "gridgov.territory",
    "gridgov.units",
    "gridgov.matters",
    "gridgov.cases",
    "gridgov.registry",
    "gridgov.fieldwork",
    "gridgov.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gridgov.accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "gridgov.config.urls"
WSGI_APPLICATION = "gridgov.config.wsgi.application"

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
                "gridgov.web.context_processors.site",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "gridgov.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers and one writer work at once; IMMEDIATE avoids lock upgrades failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")} if env_bool("GRIDGOV_TEST_FILE_DB") else {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- auth and sessions ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["gridgov.accounts.backends.LockoutModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
LOGIN_MAX_FAILURES = int(os.environ.get("GRIDGOV_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("GRIDGOV_LOGIN_LOCKOUT_MINUTES", "15"))
SESSION_IDLE_TIMEOUT = int(os.environ.get("GRIDGOV_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_COOKIE_AGE = int(os.environ.get("GRIDGOV_SESSION_MAX_HOURS", "12")) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# --- security headers -----------------------------------------------------------------------------------
HTTPS = env_bool("GRIDGOV_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env_bool("GRIDGOV_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("GRIDGOV_BEHIND_PROXY") else None
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- language and time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # for display; storage is aware UTC (USE_TZ)
USE_TZ = True

# --- static and media -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- API ------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an unauthenticated API call gets 401 with a "WWW-Authenticate: Token" challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "gridgov.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "gridgov API",
    "DESCRIPTION": "Grid-based grassroots governance. Coordinates are WGS-84 unless `crs` says otherwise.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind"; name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "GridKindEnum": "gridgov.territory.models.GridKind",
        "BuildingKindEnum": "gridgov.territory.models.BuildingKind",
        "UnitKindEnum": "gridgov.units.models.UnitKind",
        "TierEnum": "gridgov.units.models.Tier",
        "MatterKindEnum": "gridgov.matters.models.MatterKind",
        "LimitUnitEnum": "gridgov.matters.models.LimitUnit",
        "MatterChangeStatusEnum": "gridgov.matters.models.ChangeStatus",
        "CaseStatusEnum": "gridgov.cases.workflow.Status",
        "HouseholdKindEnum": "gridgov.registry.models.HouseholdKind",
        "TagKindEnum": "gridgov.registry.models.TagKind",
        "OrganisationKindEnum": "gridgov.registry.models.OrganisationKind",
        "FacilityStatusEnum": "gridgov.registry.models.FacilityStatus",
        "FloatingReasonEnum": "gridgov.registry.models.FloatingReason",
        "ImportKindEnum": "gridgov.registry.models.ImportKind",
        "ImportStatusEnum": "gridgov.registry.models.ImportStatus",
        "PatrolStatusEnum": "gridgov.fieldwork.models.PatrolStatus",
        "TaskStatusEnum": "gridgov.fieldwork.models.TaskStatus",
    },
}

# --- personal-data encryption (rule 4) ------------------------------------------------------------------
# Comma-separated Fernet keys, newest first. The first encrypts; all decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_list("GRIDGOV_FIELD_KEYS")
BLIND_INDEX_KEY = os.environ.get("GRIDGOV_BLIND_INDEX_KEY", "")
# Roles that see special-group and key-youth tags (within their scope); care-group tags are open to staff in
# scope. Comma-separated role names of gridgov.accounts.roles.Role.
SPECIAL_GROUP_ROLES = env_list(
    "GRIDGOV_SPECIAL_GROUP_ROLES",
    "grid_worker,grid_head,community_dispatcher,subdistrict_dispatcher,district_dispatcher",
)
# Field work: a patrol step faster than this is an impossible jump (flagged, not counted); a patrol with more than
# this share of its points farther than the buffer outside its grid is flagged.
FIELDWORK_MAX_SPEED_KMH = float(os.environ.get("GRIDGOV_FIELDWORK_MAX_SPEED_KMH", "60"))
FIELDWORK_MAX_OUTSIDE_SHARE = float(os.environ.get("GRIDGOV_FIELDWORK_MAX_OUTSIDE_SHARE", "0.3"))
FIELDWORK_OUTSIDE_BUFFER_M = float(os.environ.get("GRIDGOV_FIELDWORK_OUTSIDE_BUFFER_M", "100"))
# A check-in farther than this from the building is kept but flagged as far.
FIELDWORK_CHECKIN_RADIUS_M = float(os.environ.get("GRIDGOV_FIELDWORK_CHECKIN_RADIUS_M", "150"))
# A patrol's hours are the time its track covers: a step between two points counts at most this many seconds,
# a patrol at most this many hours; an ended patrol whose track covers less than this share of its stop − start
# is flagged (docs/fieldwork-sync.md, gridgov.fieldwork.track).
FIELDWORK_TRACK_MAX_GAP_S = int(os.environ.get("GRIDGOV_FIELDWORK_TRACK_MAX_GAP_S", "300"))
FIELDWORK_MAX_PATROL_HOURS = float(os.environ.get("GRIDGOV_FIELDWORK_MAX_PATROL_HOURS", "12"))
FIELDWORK_MIN_TRACK_SHARE = float(os.environ.get("GRIDGOV_FIELDWORK_MIN_TRACK_SHARE", "0.5"))
# A phone record made more than this many seconds ahead of the server's clock is refused (docs/fieldwork-sync.md).
FIELDWORK_CLOCK_SKEW_S = int(os.environ.get("GRIDGOV_FIELDWORK_CLOCK_SKEW_S", "300"))
# A new phone record made more than this many days before the server's clock is refused (400 on made_at): closed
# periods' figures stay closed (docs/fieldwork-sync.md).
FIELDWORK_MAX_OFFLINE_DAYS = int(os.environ.get("GRIDGOV_FIELDWORK_MAX_OFFLINE_DAYS", "30"))
# Floating-population registrations expiring within this many days are listed for renewal.
FLOATING_EXPIRY_NOTICE_DAYS = int(os.environ.get("GRIDGOV_FLOATING_EXPIRY_NOTICE_DAYS", "30"))
# An import validated but not confirmed within this many hours expires: its uploaded file (plain ID numbers and
# phones) is deleted by a periodic sweep (gridgov.registry.tasks.expire_unconfirmed_imports).
IMPORT_UNCONFIRMED_HOURS = int(os.environ.get("GRIDGOV_IMPORT_UNCONFIRMED_HOURS", "24"))

# --- background work ------------------------------------------------------------------------------------
# Default: kombu's filesystem transport under the data directory — an embedded broker, no server needed.
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", TESTING)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
# Periodic tasks (celery beat). Each app adds its own entry.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Re-queue due outbox messages and reclaim those whose worker died mid-delivery (gridgov.core.outbox).
    "outbox-sweep": {"task": "gridgov.core.outbox.sweep", "schedule": 60.0},
    # Flag cases whose stage deadline has passed, escalate them, flag late whistle report-ins (gridgov.cases.tasks).
    "cases-overdue-sweep": {"task": "gridgov.cases.tasks.sweep_overdue", "schedule": 60.0},
    # Publish approved matter-list changes whose effective date has come (gridgov.matters.services).
    "matters-publish-due": {"task": "gridgov.matters.publish_due", "schedule": 3600.0},
    # Flag grid workers' tasks whose deadline has passed, once each (gridgov.fieldwork.tasks).
    "fieldwork-overdue-tasks": {"task": "gridgov.fieldwork.tasks.sweep_overdue_tasks", "schedule": 300.0},
    # Delete the uploads of registry imports validated but never confirmed (gridgov.registry.tasks).
    "registry-expire-unconfirmed-imports": {"task": "gridgov.registry.expire_unconfirmed_imports", "schedule": 600.0},
}

# --- outbox and notification channels (gridgov.core.outbox, gridgov.core.channels) ----------------------
# A failed delivery is retried after 1, 2, 4 … minutes (with jitter, capped at an hour); after this many attempts
# it is "dead": kept, listed for administrators and retried from the admin, never dropped.
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("GRIDGOV_OUTBOX_MAX_ATTEMPTS", "12"))
OUTBOX_BACKOFF_BASE_SECONDS = int(os.environ.get("GRIDGOV_OUTBOX_BACKOFF_BASE_SECONDS", "60"))
OUTBOX_BACKOFF_MAX_SECONDS = int(os.environ.get("GRIDGOV_OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
# A message "sending" for longer than this is taken to belong to a dead worker and is tried again.
OUTBOX_LEASE_SECONDS = int(os.environ.get("GRIDGOV_OUTBOX_LEASE_SECONDS", "300"))
WEBHOOK_TIMEOUT = float(os.environ.get("GRIDGOV_WEBHOOK_TIMEOUT", "10"))
_webhook_secret_file = DATA_DIR / "webhook_secret"
WEBHOOK_SECRET = os.environ.get("GRIDGOV_WEBHOOK_SECRET", "")
if not WEBHOOK_SECRET:
    # Per installation, like SECRET_KEY; receivers are given this file's content to check signatures.
    if not _webhook_secret_file.exists():
        import secrets

        _webhook_secret_file.write_text(secrets.token_urlsafe(32))
        _webhook_secret_file.chmod(0o600)
    WEBHOOK_SECRET = _webhook_secret_file.read_text().strip()
# SMTP when EMAIL_HOST is set; otherwise mail is written as files under the data directory (the demo).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "gridgov@localhost")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = DATA_DIR / "mail"

# --- maps -----------------------------------------------------------------------------------------------
# Empty: boundaries on a plain background (works offline). Otherwise an XYZ template, e.g. OSM
# "https://tile.openstreetmap.org/{z}/{x}/{y}.png" (wgs84) or Amap "https://webrd0{s}.is.autonavi.com/…" (gcj02).
MAP_TILE_URL = os.environ.get("GRIDGOV_MAP_TILE_URL", "")
MAP_TILE_CRS = os.environ.get("GRIDGOV_MAP_TILE_CRS", "wgs84")  # the datum the tiles are drawn in
MAP_TILE_ATTRIBUTION = os.environ.get("GRIDGOV_MAP_TILE_ATTRIBUTION", "")
# The field app's offline map: the zoom levels ("first-last") downloaded for a worker's grids, and at most this many
# tiles (beyond it the highest levels are left out).
MAP_OFFLINE_ZOOMS = tuple(int(z) for z in os.environ.get("GRIDGOV_MAP_OFFLINE_ZOOMS", "14-18").split("-", 1))
MAP_OFFLINE_MAX_TILES = int(os.environ.get("GRIDGOV_MAP_OFFLINE_MAX_TILES", "3000"))

# --- territory ------------------------------------------------------------------------------------------
GRID_SEQUENCE_WIDTH = int(os.environ.get("GRIDGOV_GRID_SEQUENCE_WIDTH", "3"))
# Gaps and overlaps smaller than this are floating-point noise from clipping, not governance gaps.
COVERAGE_MIN_AREA_M2 = float(os.environ.get("GRIDGOV_COVERAGE_MIN_AREA_M2", "1.0"))

# --- working time (deadlines) ---------------------------------------------------------------------------
# Office periods of a working day in Asia/Shanghai, "HH:MM-HH:MM" comma-separated, in order. Working days are
# China's statutory calendar (holidays and 调休 make-up days); see gridgov.core.workcalendar.
OFFICE_HOURS = os.environ.get("GRIDGOV_OFFICE_HOURS", "08:30-12:00,14:00-17:30")

# --- cases ----------------------------------------------------------------------------------------------
# Duplicate suggestions at report time: open cases of the same category within this distance and age.
GRIDGOV_DUPLICATE_RADIUS_M = float(os.environ.get("GRIDGOV_DUPLICATE_RADIUS_M", "250"))
GRIDGOV_DUPLICATE_DAYS = int(os.environ.get("GRIDGOV_DUPLICATE_DAYS", "30"))
# A dissatisfied rating can reopen a case (重办) within this many days of closing.
GRIDGOV_REOPEN_DAYS = int(os.environ.get("GRIDGOV_REOPEN_DAYS", "7"))
# Photos: largest accepted upload.
GRIDGOV_PHOTO_MAX_BYTES = int(os.environ.get("GRIDGOV_PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
# Working hours a summoned unit has to report in when the centre gives no deadline.
GRIDGOV_SUMMONS_HOURS = int(os.environ.get("GRIDGOV_SUMMONS_HOURS", "2"))

# --- logging: nothing personal goes to logs (rule 4); requests are logged by path only ------------------
# The technical 500 page (DEBUG on, development only) masks them as well.
DEFAULT_EXCEPTION_REPORTER = "gridgov.core.logredact.RedactingExceptionReporter"

# Every handler masks ID and mobile numbers that slip into a record (gridgov.core.logredact); the "django" and
# "django.server" loggers are given our handlers instead of Django's defaults, which would not mask.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "gridgov.core.logredact.RedactPersonalData"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]},
        "server": {"class": "logging.StreamHandler", "formatter": "server", "filters": ["redact"]},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "redact"],
            "reporter_class": "gridgov.core.logredact.RedactingExceptionReporter",
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("GRIDGOV_LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
