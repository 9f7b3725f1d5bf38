"""Atelier settings: one module, configured by environment variables.

With nothing set it runs on embedded defaults (SQLite and a filesystem Celery broker under
``var/``, media on local disk, e-mail to the console). ``DJANGO_ENV=production`` turns on the
hardened defaults and refuses to start without ``SECRET_KEY`` and ``ALLOWED_HOSTS``; set
``DATABASE_URL`` and ``REDIS_URL`` there too, or it runs on SQLite and a filesystem broker.

Each variable read here has a ``#:`` comment above it: ``python manage.py settings_reference``
turns them into docs/operations/configuration.md (and ``--format env`` into .env.example), and
refuses a variable without one.
"""

from pathlib import Path

import environ
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
#: Where the embedded defaults keep their files: the SQLite database, the filesystem broker,
#: media.
#: default: `var/` in the project
VAR_DIR = Path(environ.Env().str("ATELIER_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
#: `production` turns on secure cookies, HSTS, the HTTPS redirect and plain error pages, and
#: requires `SECRET_KEY` and `ALLOWED_HOSTS`.
DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    #: Django's secret key: signs sessions, invitation links and signed photo links, and (unless
    #: `ATELIER_ENCRYPTION_KEYS` is set) derives the key that encrypts provider keys.
    #: default: required in production; a fixed development-only key otherwise
    SECRET_KEY = env.str("SECRET_KEY")
    #: Django's debug pages. Never in production.
    #: default: `false` in production, `true` otherwise
    DEBUG = env.bool("DEBUG", default=False)
    #: Host names this site answers to, e.g. `atelier.example.com`.
    #: default: required in production; `localhost,127.0.0.1,[::1],testserver` otherwise
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789"
    )
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )

#: Origins allowed to post forms when they differ from the host, e.g. behind a proxy:
#: `https://atelier.example.com`.
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
    "apps.api",
    "apps.webhooks",
    "apps.notifications",
    "apps.demo",
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
    "apps.api.middleware.ApiGateMiddleware",
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
                "apps.accounts.context_processors.interface_preferences",
                "apps.notifications.context_processors.notification_bell",
            ],
        },
    },
]
# Every form renders through Django's field templates with Bootstrap classes (apps/core/forms.py).
FORM_RENDERER = "apps.core.forms.AtelierFormRenderer"

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    #: The database: `postgres://user:password@host:5432/atelier` (psycopg 3) in production.
    #: default: `sqlite:///var/db.sqlite3` (under `ATELIER_VAR_DIR`)
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server and the dev worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    #: Seconds a PostgreSQL connection is kept open for the next request (0: one per request).
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
ATOMIC_REQUESTS = False  # services own their transactions (docs/architecture.md)

# --- Redis, cache, Celery ---------------------------------------------------------------------
#: Redis, e.g. `redis://localhost:6379/0`: the Celery broker and the cache (allauth's rate
#: limits, the gateway's shared limits, cached answers and facets). Empty: a filesystem broker
#: and a cache on disk under `var/cache/`, shared by the web server and the worker.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            #: Prefix of every cache key in Redis, for installations sharing one Redis.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="atelier"),
        }
    }
else:
    # Without Redis the web server and the worker share a cache on disk, so what one process
    # forgets (the catalog's filters after an import) the other does not keep serving.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

CELERY_BROKER_DIR = VAR_DIR / "celery"
#: The Celery broker, to override `REDIS_URL`'s.
#: default: `REDIS_URL`, else `filesystem://` under `var/celery/`
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
#: The queue tasks are sent to (workers listen to it unless started with `-Q`).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
#: Run tasks in the calling process instead of a worker (tests and benchmarks only).
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
#: Threads that run one chunk task's job items at once, per worker process.
#: default: `8` (`1` on SQLite)
JOB_ITEM_CONCURRENCY = env.int("JOB_ITEM_CONCURRENCY", default=1 if _SQLITE else 8)
# Items per chunk task; a multiple of JOB_ITEM_CONCURRENCY keeps every round of threads full,
# and sixteen rounds make the pause between two chunk tasks small beside the work (measured:
# 4 rounds gave 0.895 of the bare provider's throughput at 200 ms per call, 16 gave 0.916).
#: Job items per chunk task.
#: default: 16 × `JOB_ITEM_CONCURRENCY` (`128`; `16` on SQLite)
JOB_CHUNK_SIZE = env.int("JOB_CHUNK_SIZE", default=16 * JOB_ITEM_CONCURRENCY)
#: Hard time limit of one chunk task, in seconds (its soft limit is 30 s earlier).
#: default: `900` (15 minutes)
JOB_CHUNK_TIME_LIMIT = env.int("JOB_CHUNK_TIME_LIMIT", default=15 * 60)
# A chunk task claims its items and a heartbeat thread refreshes the claims while the task
# lives, however long an item takes; a claim not refreshed for the lease belongs to a dead
# worker: the stalled-job sweep (every JOB_STALL_SWEEP_SECONDS, beat) queues its items again.
#: Seconds between refreshes of a running chunk's claims on its items.
JOB_ITEM_HEARTBEAT_SECONDS = env.float("JOB_ITEM_HEARTBEAT_SECONDS", default=30)
#: Seconds after which an unrefreshed claim belongs to a dead worker and its item is stalled.
JOB_ITEM_LEASE_SECONDS = env.int("JOB_ITEM_LEASE_SECONDS", default=120)
#: Seconds between two runs of the beat task that queues stalled items again.
JOB_STALL_SWEEP_SECONDS = env.float("JOB_STALL_SWEEP_SECONDS", default=60)
# A job that moved not at all for this long lost its broker messages (a flushed broker): its
# pending items are queued again. Long, so that work waiting behind a backlog is not doubled.
#: Seconds without any progress after which a job's pending items are queued again (its broker
#: messages were lost).
#: default: `JOB_CHUNK_TIME_LIMIT` + 60 (`960`)
JOB_LOST_MESSAGES_SECONDS = env.int("JOB_LOST_MESSAGES_SECONDS", default=JOB_CHUNK_TIME_LIMIT + 60)
# On PostgreSQL, job bookkeeping (claims, outcomes, counters) commits without waiting for the
# disk; a database crash may lose its last fraction of a second, and those items run again.
#: Commit job bookkeeping without waiting for the disk (PostgreSQL); `false` trades speed for
#: never re-running an item after a database crash.
JOB_ASYNC_COMMIT = env.bool("JOB_ASYNC_COMMIT", default=True)
CELERY_BEAT_SCHEDULE["jobs-recover-stalled"] = {
    "task": "apps.jobs.tasks.job_recover_stalled",
    "schedule": JOB_STALL_SWEEP_SECONDS,
}
if CELERY_BROKER_URL.startswith("redis"):
    # Redis gives a task that was never acknowledged (its worker died) to another worker after
    # this many seconds; it must exceed the longest task. The killed-worker test shortens it,
    # and kombu must then look for such tasks every second instead of every ~100 s.
    #: Seconds before Redis hands a task its worker never acknowledged to another worker (with a
    #: Redis broker only); must exceed the longest task.
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
#: Days an invitation link works.
INVITATION_MAX_AGE_DAYS = env.int("INVITATION_MAX_AGE_DAYS", default=7)

# --- I18N, static, media ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
#: The time zone dates and times are shown in (an IANA name, e.g. `Europe/Paris`).
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
#: Where `collectstatic` gathers the static files whitenoise serves.
#: default: `staticfiles/` in the project
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing root in development
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "media/"
#: Uploaded and generated files on the local disk (when no S3 bucket is set).
#: default: `var/media` (under `ATELIER_VAR_DIR`)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

#: An S3-compatible bucket for media instead of the local disk (install the `s3` extra;
#: django-storages reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the other `AWS_*`).
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    # S3-compatible storage (django-storages, the optional "s3" extra); it reads the usual
    # AWS_* variables itself, AWS_S3_ENDPOINT_URL included for non-AWS services.
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            #: The S3 endpoint of a service other than AWS (MinIO, R2, …). Empty: AWS.
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
#: How e-mail is sent: `smtp+tls://user:password@smtp.example.com:587`, `consolemail://`
#: (printed), `dummymail://` (dropped); becomes Django 6.1's `MAILERS`.
#: default: `smtp://localhost:25` in production, `consolemail://` otherwise
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
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend":
    # Printed decoded, so a long link is not broken across lines (apps/core/mail.py).
    _email["EMAIL_BACKEND"] = "apps.core.mail.ReadableConsoleBackend"
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": _email_options if "smtp" in _email["EMAIL_BACKEND"] else {},
    }
}
#: The sender of every e-mail (invitations, address verification, password resets).
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Atelier <atelier@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security --------------------------------------------------------------------------------
SECURE_CSP: dict[str, list[str]] = {
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
    #: Redirect plain HTTP to HTTPS (production only); turn off when a proxy already does.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    #: How long browsers must use HTTPS only, in seconds (production only; HSTS with
    #: subdomains and preload).
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
# The client address recorded in the audit trail: REMOTE_ADDR, unless a trusted proxy in front
# of the app sets X-Forwarded-For (then the number of proxies to skip from the right).
#: Proxies in front of the app whose `X-Forwarded-For` is trusted for the audit trail's IP.
AUDIT_TRUSTED_PROXY_COUNT = env.int("AUDIT_TRUSTED_PROXY_COUNT", default=0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    #: The level of the log written to the console: `DEBUG`, `INFO`, `WARNING`, `ERROR`.
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Model gateway (apps/gateway) ------------------------------------------------------------
# Bring-your-own provider keys are encrypted with these Fernet keys (comma-separated): the first
# encrypts, all decrypt, so rotation is "prepend a new key, run `manage.py gateway_reencrypt_keys`,
# drop the old one". Empty: a key derived from SECRET_KEY (and SECRET_KEY_FALLBACKS).
#: Fernet keys, comma-separated, that encrypt workspaces' provider keys (the first encrypts).
#: default: a key derived from `SECRET_KEY`
ATELIER_ENCRYPTION_KEYS = env.list("ATELIER_ENCRYPTION_KEYS", default=[])
# A site-wide OpenAI (or OpenAI-compatible) account used by workspaces without their own key.
#: A site-wide OpenAI (or compatible) API key for workspaces without their own.
GATEWAY_OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
#: The site-wide account's base URL (an OpenAI-compatible server, e.g. `http://vllm:8000/v1`);
#: set by the operator, so not under the outbound guard. Empty: OpenAI.
GATEWAY_OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="")
# Outbound guard (apps/core/netguard.py): URLs a workspace sets (a provider's base URL, a
# webhook endpoint) may reach only public addresses, checked after DNS resolution on every
# connection. The operator may allow more: host names, ".example.org" (a domain and its
# subdomains), IPs or CIDR ranges, e.g. OUTBOUND_ALLOWED_HOSTS="ollama.internal,10.0.5.0/24".
# Metadata addresses stay refused.
#: Hosts a workspace's provider base URL or webhook endpoint may reach besides public
#: addresses: names, `.domain` (with its subdomains), IPs, CIDR ranges. Metadata addresses stay
#: refused.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
#: Milliseconds of latency added to every local-provider call (tests and benchmarks).
GATEWAY_LOCAL_LATENCY_MS = env.int("GATEWAY_LOCAL_LATENCY_MS", default=0)
#: Seconds an answer is reused for an identical request (0 turns the cache off).
GATEWAY_CACHE_SECONDS = env.int("GATEWAY_CACHE_SECONDS", default=3600)
# Each process remembers resolved routes this long: a route saved applies at once in the process
# that saved it, and within this time in the others (and after registry or price edits).
#: Seconds each process remembers a workspace's resolved routes.
GATEWAY_ROUTE_CACHE_SECONDS = env.int("GATEWAY_ROUTE_CACHE_SECONDS", default=5)
#: Seconds one model call may take in all, retries and fallbacks included.
GATEWAY_CALL_DEADLINE_SECONDS = env.float("GATEWAY_CALL_DEADLINE_SECONDS", default=120.0)
#: Seconds one attempt at one model may take.
GATEWAY_ATTEMPT_TIMEOUT_SECONDS = env.float("GATEWAY_ATTEMPT_TIMEOUT_SECONDS", default=60.0)
#: Retries of one model after a rate limit, timeout, connection or server error, then fallbacks.
GATEWAY_MAX_RETRIES = env.int("GATEWAY_MAX_RETRIES", default=2)
#: First backoff before a retry, in seconds (doubled each time, with jitter).
GATEWAY_BACKOFF_BASE_SECONDS = env.float("GATEWAY_BACKOFF_BASE_SECONDS", default=0.5)
#: Longest backoff before a retry, in seconds (a longer `Retry-After` is not waited for).
GATEWAY_BACKOFF_MAX_SECONDS = env.float("GATEWAY_BACKOFF_MAX_SECONDS", default=20.0)
# A model that fails this many times within the window rests for GATEWAY_COOLDOWN_SECONDS.
#: Failures of one model within the window that send it to rest.
GATEWAY_COOLDOWN_FAILURES = env.int("GATEWAY_COOLDOWN_FAILURES", default=5)
#: The window, in seconds, in which those failures are counted.
GATEWAY_COOLDOWN_WINDOW_SECONDS = env.int("GATEWAY_COOLDOWN_WINDOW_SECONDS", default=60)
#: Seconds a failing model rests (its route's fallbacks answer meanwhile).
GATEWAY_COOLDOWN_SECONDS = env.int("GATEWAY_COOLDOWN_SECONDS", default=60)
# Concurrency and requests per minute, per model and per workspace (0 = no limit); shared by all
# workers through Redis when REDIS_URL is set, per process otherwise. A model's own limits in
# the registry override the per-model defaults.
#: Calls one model may have running at once (0: no limit; a model's own limit in the registry
#: wins).
GATEWAY_MODEL_CONCURRENCY = env.int("GATEWAY_MODEL_CONCURRENCY", default=32)
#: Requests per minute to one model (0: no limit; a model's own limit in the registry wins).
GATEWAY_MODEL_RPM = env.int("GATEWAY_MODEL_RPM", default=0)
#: Calls one workspace may have running at once (0: no limit).
GATEWAY_WORKSPACE_CONCURRENCY = env.int("GATEWAY_WORKSPACE_CONCURRENCY", default=16)
#: Requests per minute from one workspace (0: no limit).
GATEWAY_WORKSPACE_RPM = env.int("GATEWAY_WORKSPACE_RPM", default=0)
#: The Redis that holds those limits, shared by every worker. Empty: per process.
#: default: `REDIS_URL`
GATEWAY_LIMITS_REDIS_URL = env.str("GATEWAY_LIMITS_REDIS_URL", default=REDIS_URL)
# Force an error class from a provider or model, for demos and tests of fallback paths:
# GATEWAY_FORCE_ERRORS="openai=rate_limited,local:local-copy=timeout".
#: Force an error class from a provider or `provider:model`, to try fallbacks offline.
GATEWAY_FORCE_ERRORS = env.dict("GATEWAY_FORCE_ERRORS", default={})

# --- Catalog (apps/catalog) ------------------------------------------------------------------
#: The largest product CSV accepted, in MB.
CATALOG_IMPORT_MAX_BYTES = env.int("CATALOG_IMPORT_MAX_MB", default=50) * 1024 * 1024
# A CSV with more columns than this is refused at upload (each column is a field to map and an
# attribute to store; 20,000 of them made the mapping page take 18 s).
#: The most columns a product CSV may have, in its header or in any row.
CATALOG_IMPORT_MAX_COLUMNS = env.int("CATALOG_IMPORT_MAX_COLUMNS", default=500)

# --- Public API (apps/api) ---------------------------------------------------------------------
# Counted per key in the cache, which is Redis (shared by every web process) once REDIS_URL is
# set; over the limit a request gets 429 with Retry-After.
#: Requests one API key may make per minute (0: no limit).
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=600)
#: How long a retry waits, in seconds, for the first request with the same `Idempotency-Key`
#: to be answered before it gets 409.
API_IDEMPOTENCY_WAIT_SECONDS = env.int("API_IDEMPOTENCY_WAIT_SECONDS", default=30)
# Stored answers of idempotent requests are kept a day (as Stripe does), then forgotten.
CELERY_BEAT_SCHEDULE["api-idempotency-expire"] = {
    "task": "apps.api.tasks.idempotent_requests_expire",
    "schedule": 3600,
}

# --- Uploads (apps/core/uploads.py) -----------------------------------------------------------
# Every uploaded file streams to a temporary file on disk, never into memory, and services read
# them in pieces. One request may carry at most this many bytes (refused from its declared
# length, before the body is read) and this many files; forms add their own per-file limits.
#: The most one request may upload, in MB, refused from its declared length before it is read.
UPLOAD_MAX_REQUEST_BYTES = env.int("UPLOAD_MAX_REQUEST_MB", default=200) * 1024 * 1024
#: The most files one request may upload.
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("UPLOAD_MAX_FILES", default=50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024  # the form's text fields
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]

# --- Billing (apps/billing) ------------------------------------------------------------------
# Without STRIPE_SECRET_KEY the app runs in self-hosted mode: no checkout, plans are assigned
# on the billing page or in the admin, nothing is charged. With it, STRIPE_WEBHOOK_SECRET and
# the three plan prices are required (`manage.py check` says so).
#: Stripe's secret API key (`sk_…`): turns Stripe mode on. Empty: self-hosted mode.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
#: The signing secret (`whsec_…`) of the webhook endpoint `https://<host>/billing/stripe/webhook/`.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
#: The Starter plan's monthly Stripe price id (`price_…`).
STRIPE_PRICE_STARTER = env.str("STRIPE_PRICE_STARTER", default="")
#: The Growth plan's monthly Stripe price id.
STRIPE_PRICE_GROWTH = env.str("STRIPE_PRICE_GROWTH", default="")
#: The Scale plan's monthly Stripe price id.
STRIPE_PRICE_SCALE = env.str("STRIPE_PRICE_SCALE", default="")
# Overage (Growth and Scale): a metered price on a billing meter with this event name; work
# beyond the monthly credits is reported as meter events. Empty price: no overage line.
#: A metered Stripe price billing credits used past the monthly grant (Growth and Scale). Empty:
#: no overage — work stops when the credits run out.
STRIPE_PRICE_OVERAGE = env.str("STRIPE_PRICE_OVERAGE", default="")
#: The event name of the billing meter behind `STRIPE_PRICE_OVERAGE`.
STRIPE_METER_EVENT_NAME = env.str("STRIPE_METER_EVENT_NAME", default="atelier_credits")
#: Another address for Stripe's API (tests point it at a loopback fake). Empty: Stripe's own.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
#: Retries of a Stripe API call after a network error (the stripe library's own).
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
#: Seconds after which a signed webhook is refused as a replay (the stripe library's default).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
#: Days of the free trial.
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=14)
# The free trial is one per person (the workspace's creator). With this on, also one per
# verified company e-mail domain; addresses at public mail providers never count as a company.
#: Also one free trial per verified company e-mail domain (one per person always).
BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN = env.bool("BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN", default=False)
#: Public mail providers: their domains never count as one company for the trial rule.
BILLING_TRIAL_SHARED_EMAIL_DOMAINS = env.list(
    "BILLING_TRIAL_SHARED_EMAIL_DOMAINS",
    default=[
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me",
        "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de", "mail.com", "yandex.com",
        "zoho.com", "fastmail.com",
    ],
)  # fmt: skip
#: Days work goes on after a failed payment before new work is refused.
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
#: Percent of a period's credits left below which members are told credits are running low.
BILLING_LOW_CREDITS_PERCENT = env.int("BILLING_LOW_CREDITS_PERCENT", default=10)
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
#: The largest photo accepted, in MB.
PHOTOS_UPLOAD_MAX_BYTES = env.int("PHOTOS_UPLOAD_MAX_MB", default=25) * 1024 * 1024
#: The most megapixels a photo may have, checked from its header before it is decoded.
PHOTOS_MAX_PIXELS = env.int("PHOTOS_MAX_MEGAPIXELS", default=50) * 1_000_000
#: The most photos one upload form takes (the lighting references' too).
PHOTOS_MAX_FILES_PER_UPLOAD = env.int("PHOTOS_MAX_FILES_PER_UPLOAD", default=50)
# An ONNX salient-object model (U²-Net / ISNet family) the operator supplies for cut-outs;
# empty: the offline segmenter. See docs/operations/production.md.
#: The path of an ONNX salient-object model (U²-Net, ISNet) for cut-outs. Empty: the offline
#: segmenter.
PHOTOS_SEGMENTATION_MODEL = env.str("PHOTOS_SEGMENTATION_MODEL", default="")
#: The model's input size in pixels: 320 for U²-Net, 1024 for ISNet.
PHOTOS_SEGMENTATION_MODEL_SIZE = env.int("PHOTOS_SEGMENTATION_MODEL_SIZE", default=320)
#: How the model's input is scaled: `imagenet` (U²-Net: x / max, then ImageNet mean and std) or
#: `half` (ISNet: x − 0.5).
PHOTOS_SEGMENTATION_MODEL_NORMALISE = env.str(
    "PHOTOS_SEGMENTATION_MODEL_NORMALISE", default="imagenet"
)
# The public address of this site (https://atelier.example.com). When set, the Shopify export
# points the image columns of products with approved photos at signed links to them.
#: This site's public address, e.g. `https://atelier.example.com`: the Shopify export then
#: links approved photos.
PHOTOS_PUBLIC_BASE_URL = env.str("PHOTOS_PUBLIC_BASE_URL", default="")

# --- Notifications (apps/notifications) ------------------------------------------------------
# E-mails are sent by workers, with no request to take the address from: links in them start
# with this. PHOTOS_PUBLIC_BASE_URL is the same address when it is set.
#: This site's address for links in e-mails sent in the background (notifications, digests,
#: unsubscribe links), e.g. `https://atelier.example.com`.
#: default: `PHOTOS_PUBLIC_BASE_URL`, else `http://localhost:8000`
SITE_URL = env.str("SITE_URL", default=PHOTOS_PUBLIC_BASE_URL or "http://localhost:8000")
#: The hour (in `TIME_ZONE`, 0–23) from which each day's notification digest is sent.
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)
# Hourly, so a beat that was down at the digest hour catches up; each member's digest goes once
# a day whatever the interval.
CELERY_BEAT_SCHEDULE["notifications-send-digests"] = {
    "task": "apps.notifications.tasks.send_due_digests",
    "schedule": 60 * 60,
}

# --- Outgoing webhooks (apps/webhooks) -------------------------------------------------------
# Each delivery is POSTed at once, then again at these offsets from the event until one
# succeeds; retries are rows in the database that a beat sweep queues when due (they survive
# worker restarts). The default spreads eight attempts over 24 hours.
_WEBHOOK_RETRIES = [60, 300, 1800, 7200, 18000, 36000, 86400]  # 1m 5m 30m 2h 5h 10h 24h
#: Seconds after an event at which a failing delivery is tried again (comma-separated,
#: ascending); after the last one it has failed.
#: default: `60,300,1800,7200,18000,36000,86400` (1 min, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h)
WEBHOOK_RETRY_SCHEDULE = env.list("WEBHOOK_RETRY_SCHEDULE", cast=int, default=_WEBHOOK_RETRIES)
WEBHOOK_RETRY_SCHEDULE = sorted(WEBHOOK_RETRY_SCHEDULE)
#: Seconds one delivery attempt may take (connect and answer) before it counts as failed.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
#: Events in a row whose every attempt failed before an endpoint is switched off (and its
#: workspace's owners and admins are e-mailed).
WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES = env.int(
    "WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES", default=3
)
#: Seconds between the sweeps that queue due webhook deliveries (a retry is at most this late).
WEBHOOK_SWEEP_SECONDS = env.int("WEBHOOK_SWEEP_SECONDS", default=30)
#: Days a finished webhook delivery stays in its endpoint's log (pruned daily).
WEBHOOK_LOG_RETENTION_DAYS = env.int("WEBHOOK_LOG_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["webhooks-queue-due"] = {
    "task": "apps.webhooks.tasks.webhook_queue_due",
    "schedule": WEBHOOK_SWEEP_SECONDS,
}
CELERY_BEAT_SCHEDULE["webhooks-prune-log"] = {
    "task": "apps.webhooks.tasks.webhook_prune_log",
    "schedule": 24 * 60 * 60,
}
