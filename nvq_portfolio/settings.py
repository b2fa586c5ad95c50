"""Settings for nvq-portfolio: one module, every knob from the environment.

The defaults run a development server on SQLite with local media and no other services.
README.md lists the variables and the values a production centre should set.
"""

import datetime
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from csp.constants import NONE, SELF

from .env import (
    EnvironmentSettingError,
    database_from_url,
    envbool,
    envint,
    envlist,
    envpath,
    envsize,
    envstr,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = envstr("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise EnvironmentSettingError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = envstr("SITE_NAME", "NVQ Portfolio")
# The address people reach the site at, for links in emails.
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "people",
    "criteria",
    "evidence",
    "assessments",
    "notifications",
    "quality",
    "submissions",
    "jobs",
    "confirmations",
    "page_cache",
    "credentials",
    "portability",
    "audit",
    "backups",
    "suggestions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from the app server, before sessions or sign-in are looked at.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page gets the policy below, unless a view sent its own (evidence files do).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Once the person is known: nothing a signed-in person is sent stays in the browser's cache.
    "nvq_portfolio.middleware.NoStoreWhenSignedInMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed in with a password but not yet with the second factor: only that step is open.
    "people.two_factor.TwoFactorMiddleware",
    # After sign-in is known: refuses an EQA's every change and logs every page they open.
    "quality.middleware.EqaReadOnlyMiddleware",
    # Lets the audit trail know who acts, and from which address, in every service call.
    "audit.middleware.AuditRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks, so it sees the outcome of every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "nvq_portfolio.urls"
WSGI_APPLICATION = "nvq_portfolio.wsgi.application"

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
                "people.context_processors.navigation",
            ],
            # {% submission_token %} in every create form, without a {% load %} in each.
            "builtins": ["submissions.templatetags.submissions", "nvq_portfolio.error_summary"],
        },
    },
]

DATABASES = {
    "default": database_from_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Costly fragments (a learner's matrix, a caseload row's status, a plan's reach) are cached
# under keys holding their enrolments' versions, so what is cached is never stale. Redis is
# shared by every worker; without it each worker keeps its own copy in memory.
REDIS_URL = envstr("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    )
}

# Pages marked @cached_page are served again while no table they read has been written
# (page_cache/pages.py); this bounds how long a change made outside Django could go unseen.
PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 10 * 60, minimum=0)

# Background jobs (reports, imports, emails) through django.tasks as backported by django-tasks,
# queued in the database and run by `manage.py db_worker` (README, "Background jobs").
# TASKS_BACKEND=immediate runs each job inside the request that queued it, as the tests do.
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = envstr("TASKS_BACKEND", "database")
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise EnvironmentSettingError(
        f"TASKS_BACKEND must be database or immediate, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND], "QUEUES": []}}
# A worker running a job moves its heartbeat on every JOB_HEARTBEAT_SECONDS; a running job
# whose heartbeat is JOB_STALE_SECONDS old has lost its worker (killed, or its machine gone).
# `manage.py sweep_jobs` and the job's own page then queue it again, up to JOB_MAX_ATTEMPTS
# runs in all, and after that show it failed (README, "Background jobs").
JOB_HEARTBEAT_SECONDS = envint("JOB_HEARTBEAT_SECONDS", 30, minimum=1)
JOB_STALE_SECONDS = envint("JOB_STALE_SECONDS", 300, minimum=2)
JOB_MAX_ATTEMPTS = envint("JOB_MAX_ATTEMPTS", 2, minimum=1)
if JOB_STALE_SECONDS <= 2 * JOB_HEARTBEAT_SECONDS:
    raise EnvironmentSettingError(
        "JOB_STALE_SECONDS must be more than twice JOB_HEARTBEAT_SECONDS, or a live worker's "
        "job would be taken for a dead one's."
    )

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out person is refused before their password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Behind the HTTPS proxy the README recommends, every request connects from the proxy: the
# client's address is the hop the proxy appended to X-Forwarded-For. Directly exposed, that
# header is the client's to forge and is ignored (nvq_portfolio/client_address.py).
BEHIND_HTTPS_PROXY = envbool("DJANGO_BEHIND_HTTPS_PROXY", False)
TRUSTED_PROXY_COUNT = envint("DJANGO_TRUSTED_PROXY_COUNT", 1, minimum=1)

# Repeated failed sign-ins lock the username from that address for a while; a password set
# through an emailed link lifts the lock.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "nvq_portfolio.client_address.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLED = envbool("LOGIN_THROTTLING", True)

# Password reset emails asked for within an hour, per address and per account (in the cache).
PASSWORD_RESET_LIMIT_PER_ADDRESS = envint("PASSWORD_RESET_LIMIT_PER_ADDRESS", 5, minimum=1)
PASSWORD_RESET_LIMIT_PER_ACCOUNT = envint("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3, minimum=1)

# Witness and employer confirmation links (confirmations/): how long a link works, and how
# many times an hour one address may open or send such links (guessing them is hopeless; this
# keeps anyone from trying).
CONFIRMATION_LINK_DAYS = envint("CONFIRMATION_LINK_DAYS", 14, minimum=1)
CONFIRMATION_LINK_LIMIT_PER_ADDRESS = envint("CONFIRMATION_LINK_LIMIT_PER_ADDRESS", 30, minimum=1)

# Two-factor sign-in (django-otp): an authenticator app plus recovery codes, open to everyone.
# Required for centre admins, superusers and staff, assessors and IQAs; off by default in
# development so the demo people sign in with a password alone.
TWO_FACTOR_REQUIRED = envbool("TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j F Y, H:i"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = envpath("STATIC_ROOT", BASE_DIR / "staticfiles")
# WhiteNoise reads STATIC_ROOT once at start-up in production; in development (and the tests,
# where nothing is collected) it looks files up as they are asked for.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded evidence is private: MEDIA_ROOT is never served as static files, only through
# views that check who is asking.
MEDIA_ROOT = envpath("MEDIA_ROOT", BASE_DIR / "media")
# The Ed25519 key that signs unit credentials (docs/credentials.md): made by
# `manage.py credential_key create`, kept outside the repository, mode 0600.
CREDENTIAL_KEY_PATH = envpath("CREDENTIAL_KEY_PATH", BASE_DIR / "keys" / "credential-ed25519.pem")
MEDIA_URL = "/media/"
# Evidence, standardisation documents and prepared reports go through Django's storage API:
# the local disk by default, an S3-compatible bucket when AWS_STORAGE_BUCKET_NAME is set, so
# several app servers and workers share one store (README, "Running in production").
AWS_STORAGE_BUCKET_NAME = envstr("AWS_STORAGE_BUCKET_NAME")
# How the bucket is used, whichever bucket it is (the tests point these at their own).
S3_STORAGE_OPTIONS = {
    # Private objects: every byte goes out through a view that checks access.
    "default_acl": None,
    "querystring_auth": True,
    "querystring_expire": 60,
    # Names are generated and unique (evidence/models.py): no existence check.
    "file_overwrite": True,
    # An upload goes up in 8 MB parts, two at a time: at most 16 MB of it is held in memory,
    # however large the file (boto3's default is ten at a time).
    "transfer_config": TransferConfig(
        multipart_threshold=8 * 1024 * 1024,
        multipart_chunksize=8 * 1024 * 1024,
        max_concurrency=2,
    ),
}
STORAGES = {
    "default": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **S3_STORAGE_OPTIONS,
                "bucket_name": AWS_STORAGE_BUCKET_NAME,
                "endpoint_url": envstr("AWS_S3_ENDPOINT_URL") or None,
                "region_name": envstr("AWS_S3_REGION_NAME") or None,
                "access_key": envstr("AWS_ACCESS_KEY_ID") or None,
                "secret_key": envstr("AWS_SECRET_ACCESS_KEY") or None,
            },
        }
        if AWS_STORAGE_BUCKET_NAME
        else {"BACKEND": "nvq_portfolio.storage.DurableFileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Uploads: bodies above the memory limit stream to a temporary file, never whole in memory.
EVIDENCE_MAX_FILE_SIZE = envsize("EVIDENCE_MAX_FILE_SIZE", 100 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = envsize("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = envsize("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_PERMISSIONS = 0o640
# Every upload, evidence or any other, stops being taken in once it passes the size limit.
FILE_UPLOAD_HANDLERS = [
    "evidence.uploads.FileSizeLimitHandler",
    # Django's two, in 1 MB chunks, hashing the bytes as they keep them (evidence/uploads.py).
    "evidence.uploads.HashingMemoryFileUploadHandler",
    "evidence.uploads.HashingTemporaryFileUploadHandler",
]

EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "NVQ Portfolio <portfolio@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security: strict by default once DEBUG is off; see README for a production configuration.
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_HTTPS_PROXY else None
SESSION_COOKIE_SECURE = envbool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Pages run only the site's own script files and styles: no inline script, handler attribute,
# javascript: link or style attribute takes effect, so text that slipped past escaping cannot
# run. img-src allows data: for the icons Bootstrap's CSS draws. Evidence files get a stricter
# policy of their own (evidence/file_views.py; README, "Security headers").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
