"""Settings for the O2O chain-store platform.

Configuration comes from environment variables only (django-environ). Without `DATABASE_URL` and
`REDIS_URL` the run and test commands start embedded PostgreSQL and Redis first and export their
URLs (see `o2o/embedded.py`), so this module never has to guess.
"""

from ipaddress import ip_network
from pathlib import Path
from urllib.parse import unquote

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from o2o.beat_schedule import CELERY_BEAT_SCHEDULE  # noqa: F401 (a setting, read by Celery)

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# A development-only key is acceptable when DEBUG is on; a production process must be given one.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development."
        )
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "o2o",
    "stores",
    "catalog",
    "inventory",
    "orders",
    "members",
    "commissions",
    "dispatch",
    "promotions",
    "reports",
    "backoffice",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "o2o.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside WhiteNoise, which serves its own precompressed static files.
    "o2o.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (its 400 page speaks the visitor's language), before anything that hands
    # the path, the query or the form to the database.
    "o2o.request_guard.ControlCharacterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "o2o.staff_sessions.StaffSessionMiddleware",
    "members.auth.MemberMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "o2o.urls"
WSGI_APPLICATION = "o2o.wsgi.application"

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
                "o2o.context_processors.platform",
                "backoffice.context_processors.staff",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------

DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/o2o")
}
# A Unix-socket directory is written percent-encoded in the URL's host
# (postgres://user@%2Fpath%2Fto%2Fdir/db), as the embedded server's URL is; django-environ
# leaves it encoded.
DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Reports read from a replica when one is given (reports.routers); the primary otherwise. In
# tests the replica mirrors the primary, so reads see the test's own writes.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["HOST"] = unquote(DATABASES["replica"]["HOST"])
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["reports.routers.ReportsRouter"]

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# A cache that misses while Redis is down (o2o.cache_backend): nothing that must survive lives
# in it. Seconds to connect, to wait for an answer, and to leave Redis alone after a failure.
CACHES = {
    "default": {
        "BACKEND": "o2o.cache_backend.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="o2o"),
        "OPTIONS": {
            "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
            "socket_timeout": env.float("CACHE_TIMEOUT", default=0.5),
            "retry_after": env.float("CACHE_RETRY_AFTER", default=5.0),
        },
    }
}
# Sessions live in the database: web processes stay stateless and can scale out (DESIGN §6).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# Shoppers stay logged in for a month; staff (Django users) for a working day of inactivity
# (o2o.staff_sessions).
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=10 * 60 * 60)

# --- Celery ------------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Deadlines are enforced by periodic sweeps, never by long ETAs (a Redis broker redelivers tasks
# whose ETA exceeds the visibility timeout).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=2.0),
}
# A request that queues a task must not hang while the broker is down: one quick try, then the
# task stays in the durable queue (o2o.durable) for the relay. Workers keep retrying to connect.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env.int("CELERY_PUBLISH_MAX_RETRIES", default=1),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
# A task whose worker process dies (SIGKILL, OOM) goes back to the queue, not to the bin.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Durable tasks (o2o.durable): rows not yet taken by the broker, or taken but not finished after
# DURABLE_STALE_SECONDS (a worker killed mid-task), are sent again by the relay; after
# DURABLE_MAX_ATTEMPTS sends a task is marked failed for HQ.
DURABLE_STALE_SECONDS = env.int("DURABLE_STALE_SECONDS", default=10 * 60)
DURABLE_MAX_ATTEMPTS = env.int("DURABLE_MAX_ATTEMPTS", default=10)
# The periodic jobs: CELERY_BEAT_SCHEDULE, imported above from o2o/beat_schedule.py.

# Promotions: a member gets at most PROMOTION_PUSH_CAP pushes per PROMOTION_PUSH_CAP_DAYS days.
PROMOTION_PUSH_CAP = env.int("PROMOTION_PUSH_CAP", default=2)
PROMOTION_PUSH_CAP_DAYS = env.int("PROMOTION_PUSH_CAP_DAYS", default=7)

# Orders: the payment window equals WeChat Pay's time_expire; try-in-store holds until the
# appointment plus a grace period.
PAYMENT_WINDOW_MINUTES = env.int("PAYMENT_WINDOW_MINUTES", default=15)
TRY_IN_STORE_GRACE_HOURS = env.int("TRY_IN_STORE_GRACE_HOURS", default=2)

# A transfer request holds its units at the source this long before the hold lapses.
TRANSFER_HOLD_HOURS = env.int("TRANSFER_HOLD_HOURS", default=72)

# Delivery dispatch. The accept deadline and the response target are HQ's, in the admin
# (DispatchPolicy); these are operations settings. An offered order's stock stays held this long
# past the deadline, so the offer sweep moves it on before the reservation sweep would release it;
# an order in HQ's queue keeps its stock this long; the sweep reads this many offers per batch.
DISPATCH_HOLD_GRACE_MINUTES = env.int("DISPATCH_HOLD_GRACE_MINUTES", default=30)
DISPATCH_QUEUE_HOLD_HOURS = env.int("DISPATCH_QUEUE_HOLD_HOURS", default=24)
DISPATCH_SWEEP_BATCH_SIZE = env.int("DISPATCH_SWEEP_BATCH_SIZE", default=100)
# A store is reminded of a delivery offer this long before its accept deadline.
DISPATCH_REMIND_BEFORE_MINUTES = env.int("DISPATCH_REMIND_BEFORE_MINUTES", default=15)

# --- Auth and passwords ------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:home"

# --- I18n, time --------------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# Static files get content-hashed names (served with a year's Cache-Control by WhiteNoise);
# that needs collectstatic's manifest, so the test run (no collectstatic) turns it off.
STATICFILES_MANIFEST = env.bool("STATICFILES_MANIFEST", default=not DEBUG)
if DEBUG:
    _static_backend = "django.contrib.staticfiles.storage.StaticFilesStorage"
elif STATICFILES_MANIFEST:
    _static_backend = "o2o.storage.HashedStaticStorage"
else:
    _static_backend = "whitenoise.storage.CompressedStaticFilesStorage"
STORAGES = {
    # Uploads are stored under names carrying a hash of their content (o2o.storage), so the
    # media view can let browsers keep them for a year.
    "default": {"BACKEND": "o2o.storage.ContentAddressedStorage"},
    "staticfiles": {"BACKEND": _static_backend},
}
WHITENOISE_USE_FINDERS = DEBUG
# Uploaded media is served by Django itself unless a front proxy takes it over.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

# --- E-mail ------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="no-reply@o2o.example")

# --- REST API ----------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # JSON only, bounded in size and depth (o2o.api_parsers.BoundedJSONParser).
    "DEFAULT_PARSER_CLASSES": ["o2o.api_parsers.BoundedJSONParser"],
    # limit and offset are checked, not quietly ignored (o2o.api_pagination).
    "DEFAULT_PAGINATION_CLASS": "o2o.api_pagination.CheckedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "o2o.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "O2O chain-store platform API",
    "DESCRIPTION": "Stores, products, stock, orders and members for the chain's ERP, POS and CRM.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `kind` or a `reason`: each choice set keeps a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "StoreKindEnum": "stores.models.Store.Kind",
        "StockMovementReasonEnum": "inventory.models.StockMovement.Reason",
    },
}

# Webhooks (o2o.webhooks): each POST waits this long; a failed delivery is retried after base,
# 2×base, 4×base... seconds (capped), and is dead after this many attempts (about a day with the
# defaults); the relay takes this many deliveries per batch.
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 60 * 60)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=12)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=50)

# --- WeChat ------------------------------------------------------------------------------------

WECHAT_APP_ID = env.str("WECHAT_APP_ID", default="")
WECHAT_APP_SECRET = env.str("WECHAT_APP_SECRET", default="")
WECHAT_TOKEN = env.str("WECHAT_TOKEN", default="")
WECHAT_AES_KEY = env.str("WECHAT_AES_KEY", default="")
WECHAT_PAY_MCH_ID = env.str("WECHAT_PAY_MCH_ID", default="")
WECHAT_PAY_API_KEY = env.str("WECHAT_PAY_API_KEY", default="")
# The payment sandbox lets anyone "pay" without paying, so it is never a silent fallback: on by
# default only for development (DEBUG without a key); a demo server outside DEBUG sets it
# explicitly. Without a key and with the sandbox off, payments refuse and `check --deploy` fails.
WECHAT_PAY_SANDBOX = env.bool("WECHAT_PAY_SANDBOX", default=DEBUG and not WECHAT_PAY_API_KEY)
WECHAT_API_BASE_URL = env.str("WECHAT_API_BASE_URL", default="https://api.weixin.qq.com/cgi-bin/")
WECHAT_OAUTH_BASE_URL = env.str(
    "WECHAT_OAUTH_BASE_URL", default="https://open.weixin.qq.com/connect/"
)
WECHAT_PAY_BASE_URL = env.str("WECHAT_PAY_BASE_URL", default="https://api.mch.weixin.qq.com/")
# The merchant's API client certificate and key (apiclient_cert.pem, apiclient_key.pem): WeChat
# Pay v2 refunds go over mutual TLS; outside the sandbox refunds are refused without them.
WECHAT_PAY_CERT_PATH = env.str("WECHAT_PAY_CERT_PATH", default="")
WECHAT_PAY_KEY_PATH = env.str("WECHAT_PAY_KEY_PATH", default="")
WECHAT_CONFIGURED = bool(WECHAT_APP_ID and WECHAT_APP_SECRET)
# Commission payouts through WeChat Pay's merchant transfer (API v3): the merchant's private key
# and certificate serial sign requests; WeChat Pay's public key and its id verify the answers
# and encrypt payees' real names. `COMMISSION_PAYOUT_BACKEND` (a dotted path) replaces the
# default: the sandbox while WECHAT_PAY_SANDBOX is on, else the WeChat transfer.
WECHAT_PAY_PRIVATE_KEY = env.str("WECHAT_PAY_PRIVATE_KEY", default="", multiline=True)
WECHAT_PAY_CERT_SERIAL = env.str("WECHAT_PAY_CERT_SERIAL", default="")
WECHAT_PAY_PUBLIC_KEY = env.str("WECHAT_PAY_PUBLIC_KEY", default="", multiline=True)
WECHAT_PAY_PUBLIC_KEY_ID = env.str("WECHAT_PAY_PUBLIC_KEY_ID", default="")
COMMISSION_PAYOUT_BACKEND = env.str("COMMISSION_PAYOUT_BACKEND", default="")
WECHAT_TEMPLATE_NOTICE = env.str("WECHAT_TEMPLATE_NOTICE", default="")
# The template message a store's staff get for a new delivery offer and its reminder (fields
# first / keyword1 order number / keyword2 deadline / remark items); empty: no WeChat alert.
WECHAT_TEMPLATE_NEW_OFFER = env.str("WECHAT_TEMPLATE_NEW_OFFER", default="")

# Every call out (WeChat API and Pay, SMS, e-mail, webhooks; o2o.outgoing): seconds to connect
# and to wait for the answer, and a circuit breaker per service: after OUTGOING_BREAKER_FAILURES
# failures in a row the service is not called for OUTGOING_BREAKER_RESET seconds (callers get
# "unavailable" at once), so a slow WeChat cannot hold every web worker.
OUTGOING_CONNECT_TIMEOUT = env.float("OUTGOING_CONNECT_TIMEOUT", default=3.0)
OUTGOING_READ_TIMEOUT = env.float("OUTGOING_READ_TIMEOUT", default=5.0)
OUTGOING_BREAKER_FAILURES = env.int("OUTGOING_BREAKER_FAILURES", default=5)
OUTGOING_BREAKER_RESET = env.float("OUTGOING_BREAKER_RESET", default=30.0)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Platform ----------------------------------------------------------------------------------

# Demo conveniences (demo logins shown on login pages) are on only where the operator says so.
DEMO_MODE = env.bool("DEMO_MODE", default=DEBUG)
# Shoppers' QR landings remember the scanned store for this long (seconds).
SCANNED_STORE_TTL = env.int("SCANNED_STORE_TTL", default=4 * 60 * 60)
# How long a rendered product, home or category page body stays in the cache (catalog.page_cache);
# changes invalidate it at once through version keys, so this only bounds memory. 0 turns it off.
CATALOG_PAGE_CACHE_SECONDS = env.int("CATALOG_PAGE_CACHE_SECONDS", default=60 * 60)
# Where login codes go: a dotted path to a members.sms backend (the console one only logs).
SMS_BACKEND = env.str("SMS_BACKEND", default="members.sms.ConsoleBackend")

# --- Security ----------------------------------------------------------------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The client address comes from X-Forwarded-For only through these (o2o.client_ip): how many
# proxies we run in front of the app, and/or the networks they live in. Default: no proxy, the
# header is ignored. Throttles of passwords and one-time codes are keyed on this address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
TRUSTED_PROXY_CIDRS = env.list("TRUSTED_PROXY_CIDRS", default=[])
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
for _cidr in TRUSTED_PROXY_CIDRS:
    try:
        ip_network(_cidr, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_CIDRS: {_cidr!r} is not a network (e.g. 10.0.0.0/8)."
        ) from _error
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Joining the browsers' HSTS preload list is an operator's decision for the whole domain, not the
# application's; the deploy check's reminder about it is silenced, the setting stays available.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Links to other sites (maps, WeChat) do not learn which page or order the visitor came from.
SECURE_REFERRER_POLICY = "same-origin"
# Our own scripts and styles only (o2o.security_headers); a view adds a source with csp_allow.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    # QR codes are data: URIs.
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CSRF_FAILURE_VIEW = "o2o.error_pages.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
