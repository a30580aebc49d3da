"""Settings for the Victims' Hub, read from the environment (twelve-factor).

Production needs only ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``. With
``DATABASE_URL`` unset an embedded PostgreSQL under ``var/`` is used (see
``hub.embedded``); there is no SQLite anywhere. ``.env.example`` lists every variable.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from hub.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("HUB_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
# Demo mode creates the demo sign-ins and runs on embedded services. It is refused
# outside debug so that a production deployment can never carry known passwords.
DEMO_MODE = env.bool("HUB_DEMO", default=False)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured("HUB_DEMO=1 needs DEBUG=1: demo sign-ins never run in production.")

if DEBUG:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="insecure-development-key-not-for-production-use-0123456789"
    )
else:
    try:
        SECRET_KEY = env.str("SECRET_KEY")
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.") from exc

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "hub",
    "referrals",
    "assessments",
    "casework",
    "letters",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "hub.static.HubWhiteNoiseMiddleware",
    # Every request's id, for the audit log (static files, answered above, need none).
    "hub.audit.RequestIdMiddleware",
    "hub.middleware.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "hub.middleware.SessionLimitsMiddleware",
    "hub.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "hub.urls"
WSGI_APPLICATION = "hub.wsgi.application"
AUTH_USER_MODEL = "hub.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "my-work"
LOGOUT_REDIRECT_URL = "login"

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
                "hub.context_processors.hub",
            ],
        },
    },
]

# Database: PostgreSQL only.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from hub.embedded import embedded_database

    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", **embedded_database(VAR_DIR)}
    }
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The Hub runs on PostgreSQL only: DATABASE_URL must be postgres://…")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# hub.sql's statements (intake's writes) are bound by the server and prepared once they
# have run this many times on a connection; Django's own cursors bind in Python and are
# never prepared. Behind a pooler that cannot keep prepared statements (PgBouncer in
# transaction mode before 1.21), set DATABASE_PREPARE_THRESHOLD to "off".
_prepare = env.str("DATABASE_PREPARE_THRESHOLD", default="5")
DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
    None if _prepare == "off" else int(_prepare)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "hub" / "assets"]
# GOV.UK Frontend and MOJ Frontend come from npm; their CSS refers to /assets/…,
# which HubWhiteNoiseMiddleware serves from node_modules.
FRONTEND_ASSET_DIRS = [
    BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "assets",
    BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj" / "assets",
]
FRONTEND_DIST_DIRS = {
    "govuk": BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk",
    "moj": BASE_DIR / "node_modules" / "@ministryofjustice" / "frontend" / "moj",
    # The dashboard's charts; each chart's figures are also in a table beside it.
    "chartjs": BASE_DIR / "node_modules" / "chart.js" / "dist",
}
STATICFILES_DIRS += list(FRONTEND_DIST_DIRS.items())
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Letters and email. Without EMAIL_URL (smtp://user:password@host:587 and the like),
# emails are written as files under var/mail: the demo's outbox.
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="victims-hub@localhost")
# The right-hand side of every letter's stable Message-ID.
HUB_MAIL_DOMAIN = env.str("HUB_MAIL_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2])
# What each letter costs, for the reports: second-class post with printing and envelope.
LETTER_COST_PENCE = {
    "post": env.int("LETTER_POSTAGE_PENCE", default=95),
    "email": env.int("EMAIL_COST_PENCE", default=0),
}

# Retention: a closed case is reviewed for erasure this many years after closing (longer
# where the harm was most serious: domestic abuse, the most serious crimes, bereavement),
# and never before a child victim is this old.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=6)
RETENTION_SERIOUS_HARM_YEARS = env.int("RETENTION_SERIOUS_HARM_YEARS", default=10)
RETENTION_CHILD_MIN_AGE = env.int("RETENTION_CHILD_MIN_AGE", default=25)

# Caseworkers (not VCCs) take at most this many new cases in any 12 months.
CASEWORKER_CAP = env.int("CASEWORKER_CAP", default=120)

# Celery. The broker is a doorbell: planned work lives in PostgreSQL rows that beat
# sweeps, so a lost message is re-driven rather than lost.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 3 // 4
# A letter's claim outlives the task's hard limit by this much before the sweep hands the
# letter to another worker; a doorbell not answered this long is rung again.
LETTER_LEASE_MARGIN = env.int("LETTER_LEASE_MARGIN", default=60)
LETTER_RING_AGAIN_SECONDS = env.int("LETTER_RING_AGAIN_SECONDS", default=300)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Beat rings doorbells only: each job finds its work in PostgreSQL, so running one twice
# (or after a restart) changes nothing more.
CELERY_BEAT_SCHEDULE = {
    "send-due-letters": {"task": "letters.tasks.sweep_letters_task", "schedule": 20.0},
    "close-unanswered-cases": {
        "task": "casework.tasks.close_unanswered_cases_task",
        "schedule": crontab(minute=15),
    },
    "list-retention-reviews": {
        "task": "casework.tasks.list_retention_reviews_task",
        "schedule": crontab(hour=6, minute=5),
    },
    "chase-onward-referrals": {
        "task": "casework.tasks.chase_onward_referrals_task",
        "schedule": crontab(hour=7, minute=5),
    },
    # The audit log's hash chain, sealed after commit (hub.audit).
    "seal-audit-log": {"task": "hub.tasks.seal_audit_task", "schedule": 60.0},
    # The dashboard's figures, folded by day as cases change (reporting.rollup).
    "refresh-figures": {"task": "reporting.tasks.refresh_figures_task", "schedule": 60.0},
    # Runs daily; does the work only on the month's first working day (reporting.reports).
    "commissioner-report": {
        "task": "reporting.tasks.commissioner_report_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "daily-print-run": {
        "task": "letters.tasks.print_run_task",
        "schedule": crontab(hour=16, minute=30),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Sign-in: a second factor (TOTP) on every staff page; lockout after repeated failures,
# per account and address; sessions end after 30 idle minutes and 12 hours in all.
OTP_TOTP_ISSUER = "Victims' Hub"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hour
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLE_ADMIN = False

# Content Security Policy: the Hub's own files only; inline scripts need the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# Production hardening. The demo runs over plain http on 127.0.0.1.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["hub.api.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["hub.api.IsApiClient"],
    "DEFAULT_THROTTLE_CLASSES": ["hub.api.ApiClientRateThrottle"],
    "EXCEPTION_HANDLER": "hub.api.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}
# The ADT batch may be 5 MiB; the API enforces each path's own limit and answers 413.
API_MAX_BODY_BYTES = 1024 * 1024
API_MAX_BATCH_BODY_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BATCH_BODY_BYTES
SPECTACULAR_SETTINGS = {
    "TITLE": "Victims' Hub referral API",
    "DESCRIPTION": (
        "For police crime-recording and witness-care systems: post victims' referrals "
        "(singly or as the daily ADT batch) and court results, and read back the public "
        "status of your own referrals. Authenticate with `Authorization: Bearer <token>`. "
        "Errors are `application/problem+json` (RFC 9457); validation errors (400) list "
        "every invalid, missing or unknown field as a JSON pointer."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [
        "hub.api.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["hub.api.IsApiClientOrStaff"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "referrals.api.schema.forbid_unknown_request_fields",
    ],
    "ENABLE_DJANGO_DEPLOY_CHECK": True,
}

# The Hub's own details, printed on letters and shown to staff.
HUB_FORCE_CODE = env.str("HUB_FORCE_CODE", default="CAMBS")

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = logging_config(level=LOG_LEVEL, json=not DEBUG)
