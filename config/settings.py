"""Atelier settings: one module, configured by environment variables.

With nothing set it runs on embedded defaults (SQLite and a filesystem Celery broker under
``var/``, media on local disk, e-mail to the console). ``DJANGO_ENV=production`` turns on the
hardened defaults and requires ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ATELIER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
    )
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
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
    "django.contrib.humanize",
    "django.forms",  # the widget templates, for the project's form renderer
    "django.contrib.postgres",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "apps.core",
    "apps.accounts",
    "apps.workspaces",
    "apps.audit",
    "apps.jobs",
    "apps.gateway",
    "apps.catalog",
    "apps.billing",
    "apps.reviews",
    "apps.photos",
    "apps.copywriting",
    "apps.brand",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.core.uploads.UploadLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.csp",
                "apps.workspaces.context_processors.workspace_nav",
                "apps.billing.context_processors.billing_banner",
            ],
        },
    },
]
# Every form renders through Django's field templates with Bootstrap classes (apps/core/forms.py).
FORM_RENDERER = "apps.core.forms.AtelierFormRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the dev worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
ATOMIC_REQUESTS = False  # services own their transactions (DESIGN.md)

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="atelier"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith("redis"):
    # Must exceed the longest task so an unacknowledged task is not redelivered while running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 15 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 14 * 60
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict = {}

# --- Jobs (apps/jobs) -------------------------------------------------------------------------
# Handler calls of one chunk run in this many threads (they mostly wait on a provider), so a
# 2-core worker still makes that many calls at once. Per prefork process.
# SQLite takes one writer at a time: threads would only wait on its lock (or, in tests' shared
# in-memory database, fail with "table is locked").
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
JOB_ITEM_CONCURRENCY = env.int("JOB_ITEM_CONCURRENCY", default=1 if _SQLITE else 8)
# Items per chunk task; a multiple of JOB_ITEM_CONCURRENCY keeps every round of threads full,
# and sixteen rounds make the pause between two chunk tasks small beside the work (measured:
# 4 rounds gave 0.895 of the bare provider's throughput at 200 ms per call, 16 gave 0.916).
JOB_CHUNK_SIZE = env.int("JOB_CHUNK_SIZE", default=16 * JOB_ITEM_CONCURRENCY)
# Hard time limit of one chunk task (its soft limit is 30 s earlier).
JOB_CHUNK_TIME_LIMIT = env.int("JOB_CHUNK_TIME_LIMIT", default=15 * 60)
# A chunk task claims its items and a heartbeat thread refreshes the claims while the task
# lives, however long an item takes; a claim not refreshed for the lease belongs to a dead
# worker: the stalled-job sweep (every JOB_STALL_SWEEP_SECONDS, beat) queues its items again.
JOB_ITEM_HEARTBEAT_SECONDS = env.float("JOB_ITEM_HEARTBEAT_SECONDS", default=30)
JOB_ITEM_LEASE_SECONDS = env.int("JOB_ITEM_LEASE_SECONDS", default=120)
JOB_STALL_SWEEP_SECONDS = env.float("JOB_STALL_SWEEP_SECONDS", default=60)
# A job that moved not at all for this long lost its broker messages (a flushed broker): its
# pending items are queued again. Long, so that work waiting behind a backlog is not doubled.
JOB_LOST_MESSAGES_SECONDS = env.int("JOB_LOST_MESSAGES_SECONDS", default=JOB_CHUNK_TIME_LIMIT + 60)
# On PostgreSQL, job bookkeeping (claims, outcomes, counters) commits without waiting for the
# disk; a database crash may lose its last fraction of a second, and those items run again.
JOB_ASYNC_COMMIT = env.bool("JOB_ASYNC_COMMIT", default=True)
CELERY_BEAT_SCHEDULE["jobs-recover-stalled"] = {
    "task": "apps.jobs.tasks.job_recover_stalled",
    "schedule": JOB_STALL_SWEEP_SECONDS,
}
if CELERY_BROKER_URL.startswith("redis"):
    # Redis gives a task that was never acknowledged (its worker died) to another worker after
    # this many seconds; it must exceed the longest task. The killed-worker test shortens it,
    # and kombu must then look for such tasks every second instead of every ~100 s.
    CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = CELERY_VISIBILITY_TIMEOUT
    if CELERY_VISIBILITY_TIMEOUT < 300:
        CELERY_BROKER_TRANSPORT_OPTIONS.update(
            unacked_restore_interval=1, unacked_restore_throttle=1, unacked_mutex_expire=10
        )

# --- Auth (django-allauth) -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Atelier] "
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's rate limits stay on at their defaults (ACCOUNT_RATE_LIMITS unset); they count in
# the cache, which is shared between processes once REDIS_URL is set.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Atelier"

# --- Invitations -----------------------------------------------------------------------------
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# --- I18N, static, media ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root in development
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible storage (django-storages, the optional "s3" extra); it reads the usual
    # AWS_* variables itself, AWS_S3_ENDPOINT_URL included for non-AWS services.
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail ----------------------------------------------------------------------------------
# EMAIL_URL (smtp+tls://user:password@host:587, consolemail://, dummymail://) becomes Django
# 6.1's MAILERS. Development prints mail to the console so a fresh install needs no mail
# server; production defaults to the local MTA.
_email = env.email_url(
    "EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"
)
_email_options = {
    option: _email[setting]
    for setting, option in [
        ("EMAIL_HOST", "host"),
        ("EMAIL_PORT", "port"),
        ("EMAIL_HOST_USER", "username"),
        ("EMAIL_HOST_PASSWORD", "password"),
        ("EMAIL_USE_TLS", "use_tls"),
        ("EMAIL_USE_SSL", "use_ssl"),
    ]
    if _email.get(setting) not in (None, "")
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _email_options if "smtp" in _email["EMAIL_BACKEND"] else {},
    }
}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Atelier <atelier@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Product images are often on the store's CDN (Shopify's, for one).
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "apps.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# The client address recorded in the audit trail: REMOTE_ADDR, unless a trusted proxy in front
# of the app sets X-Forwarded-For (then the number of proxies to skip from the right).
AUDIT_TRUSTED_PROXY_COUNT = env.int("AUDIT_TRUSTED_PROXY_COUNT", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Model gateway (apps/gateway) ------------------------------------------------------------
# Bring-your-own provider keys are encrypted with these Fernet keys (comma-separated): the first
# encrypts, all decrypt, so rotation is "prepend a new key, run `manage.py gateway_reencrypt_keys`,
# drop the old one". Empty: a key derived from SECRET_KEY (and SECRET_KEY_FALLBACKS).
ATELIER_ENCRYPTION_KEYS = env.list("ATELIER_ENCRYPTION_KEYS", default=[])
# A site-wide OpenAI (or OpenAI-compatible) account used by workspaces without their own key.
GATEWAY_OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
GATEWAY_OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
# Outbound guard (apps/core/netguard.py): URLs a workspace sets (a provider's base URL) may
# reach only public addresses, checked after DNS resolution on every connection. The operator
# may allow more: host names, ".example.org" (a domain and its subdomains), IPs or CIDR ranges,
# e.g. OUTBOUND_ALLOWED_HOSTS="ollama.internal,10.0.5.0/24". Metadata addresses stay refused.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
# Injected latency per local-provider call, for tests and the benchmark.
GATEWAY_LOCAL_LATENCY_MS = env.int("GATEWAY_LOCAL_LATENCY_MS", default=0)
# Identical requests within this many seconds are served from the cache (0 turns it off).
GATEWAY_CACHE_SECONDS = env.int("GATEWAY_CACHE_SECONDS", default=3600)
# Each process remembers resolved routes this long: a route saved applies at once in the process
# that saved it, and within this time in the others (and after registry or price edits).
GATEWAY_ROUTE_CACHE_SECONDS = env.int("GATEWAY_ROUTE_CACHE_SECONDS", default=5)
GATEWAY_CALL_DEADLINE_SECONDS = env.float("GATEWAY_CALL_DEADLINE_SECONDS", default=120.0)
GATEWAY_ATTEMPT_TIMEOUT_SECONDS = env.float("GATEWAY_ATTEMPT_TIMEOUT_SECONDS", default=60.0)
GATEWAY_MAX_RETRIES = env.int("GATEWAY_MAX_RETRIES", default=2)
GATEWAY_BACKOFF_BASE_SECONDS = env.float("GATEWAY_BACKOFF_BASE_SECONDS", default=0.5)
GATEWAY_BACKOFF_MAX_SECONDS = env.float("GATEWAY_BACKOFF_MAX_SECONDS", default=20.0)
# A model that fails this many times within the window rests for GATEWAY_COOLDOWN_SECONDS.
GATEWAY_COOLDOWN_FAILURES = env.int("GATEWAY_COOLDOWN_FAILURES", default=5)
GATEWAY_COOLDOWN_WINDOW_SECONDS = env.int("GATEWAY_COOLDOWN_WINDOW_SECONDS", default=60)
GATEWAY_COOLDOWN_SECONDS = env.int("GATEWAY_COOLDOWN_SECONDS", default=60)
# Concurrency and requests per minute, per model and per workspace (0 = no limit); shared by all
# workers through Redis when REDIS_URL is set, per process otherwise. A model's own limits in
# the registry override the per-model defaults.
GATEWAY_MODEL_CONCURRENCY = env.int("GATEWAY_MODEL_CONCURRENCY", default=32)
GATEWAY_MODEL_RPM = env.int("GATEWAY_MODEL_RPM", default=0)
GATEWAY_WORKSPACE_CONCURRENCY = env.int("GATEWAY_WORKSPACE_CONCURRENCY", default=16)
GATEWAY_WORKSPACE_RPM = env.int("GATEWAY_WORKSPACE_RPM", default=0)
GATEWAY_LIMITS_REDIS_URL = env.str("GATEWAY_LIMITS_REDIS_URL", default=REDIS_URL)
# Force an error class from a provider or model, for demos and tests of fallback paths:
# GATEWAY_FORCE_ERRORS="openai=rate_limited,local:local-copy=timeout".
GATEWAY_FORCE_ERRORS = env.dict("GATEWAY_FORCE_ERRORS", default={})

# --- Catalog (apps/catalog) ------------------------------------------------------------------
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_MB", default=50) * 1024 * 1024
# A CSV with more columns than this is refused at upload (each column is a field to map and an
# attribute to store; 20,000 of them made the mapping page take 18 s).
CATALOG_IMPORT_MAX_COLUMNS = env.int("CATALOG_IMPORT_MAX_COLUMNS", default=500)

# --- Uploads (apps/core/uploads.py) -----------------------------------------------------------
# Every uploaded file streams to a temporary file on disk, never into memory, and services read
# them in pieces. One request may carry at most this many bytes (refused from its declared
# length, before the body is read) and this many files; forms add their own per-file limits.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_MB", default=200) * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("UPLOAD_MAX_FILES", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # the form's text fields
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]

# --- Billing (apps/billing) ------------------------------------------------------------------
# Without STRIPE_SECRET_KEY the app runs in self-hosted mode: no checkout, plans are assigned
# on the billing page or in the admin, nothing is charged. With it, STRIPE_WEBHOOK_SECRET and
# the three plan prices are required (`manage.py check` says so).
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_PRICE_STARTER = env.str("STRIPE_PRICE_STARTER", default="")
STRIPE_PRICE_GROWTH = env.str("STRIPE_PRICE_GROWTH", default="")
STRIPE_PRICE_SCALE = env.str("STRIPE_PRICE_SCALE", default="")
# Overage (Growth and Scale): a metered price on a billing meter with this event name; work
# beyond the monthly credits is reported as meter events. Empty price: no overage line.
STRIPE_PRICE_OVERAGE = env.str("STRIPE_PRICE_OVERAGE", default="")
STRIPE_METER_EVENT_NAME = env.str("STRIPE_METER_EVENT_NAME", default="atelier_credits")
# Another address for Stripe's API (tests point it at a loopback fake); empty: Stripe's own.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# Webhooks signed longer ago than this are refused as replays (the stripe library's default).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
# The free trial is one per person (the workspace's creator). With this on, also one per
# verified company e-mail domain; addresses at public mail providers never count as a company.
BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN = env.bool("BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN", default=False)
BILLING_TRIAL_SHARED_EMAIL_DOMAINS = env.list(
    "BILLING_TRIAL_SHARED_EMAIL_DOMAINS",
    default=[
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com",
        "zoho.com", "fastmail.com",
    ],
)  # fmt: skip
# Work goes on this many days after a failed payment before new work is refused.
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
if STRIPE_SECRET_KEY:
    # Checkout and the portal are reached by a form POST that redirects to Stripe; browsers
    # apply form-action to that redirect.
    SECURE_CSP["form-action"] = [
        *SECURE_CSP["form-action"],
        "https://checkout.stripe.com",
        "https://billing.stripe.com",
    ]
CELERY_BEAT_SCHEDULE["billing-renew-periods"] = {
    "task": "apps.billing.tasks.billing_renew_periods",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["billing-report-pending-overage"] = {
    "task": "apps.billing.tasks.billing_report_pending_overage",
    "schedule": 15 * 60,
}

# --- Brand profiles (apps/brand) -------------------------------------------------------------
# Profiles with enough new material (each profile sets how much) train a new version; running
# fine-tuning jobs at the provider are followed until they finish.
CELERY_BEAT_SCHEDULE["brand-train-due"] = {
    "task": "apps.brand.tasks.brand_train_due",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["brand-fine-tune-poll"] = {
    "task": "apps.brand.tasks.brand_fine_tune_poll",
    "schedule": 5 * 60,
}

# --- Photo studio (apps/photos) --------------------------------------------------------------
# Uploads above these limits are refused by name; the pixel limit is checked from the header,
# before anything is decoded (decompression bombs).
PHOTOS_UPLOAD_MAX_BYTES = env.int("PHOTOS_UPLOAD_MAX_MB", default=25) * 1024 * 1024
PHOTOS_MAX_PIXELS = env.int("PHOTOS_MAX_MEGAPIXELS", default=50) * 1_000_000
PHOTOS_MAX_FILES_PER_UPLOAD = env.int("PHOTOS_MAX_FILES_PER_UPLOAD", default=50)
# An ONNX salient-object model (U²-Net / ISNet family) the operator supplies for cut-outs;
# empty: the offline segmenter. See the README's photo studio section.
PHOTOS_SEGMENTATION_MODEL = env.str("PHOTOS_SEGMENTATION_MODEL", default="")
PHOTOS_SEGMENTATION_MODEL_SIZE = env.int("PHOTOS_SEGMENTATION_MODEL_SIZE", default=320)
# "imagenet" (U²-Net: x / max, then ImageNet mean and std) or "half" (ISNet: x − 0.5).
PHOTOS_SEGMENTATION_MODEL_NORMALISE = env.str(
    "PHOTOS_SEGMENTATION_MODEL_NORMALISE", default="imagenet"
)
# The public address of this site (https://atelier.example.com). When set, the Shopify export
# points the image columns of products with approved photos at signed links to them.
PHOTOS_PUBLIC_BASE_URL = env.str("PHOTOS_PUBLIC_BASE_URL", default="")
