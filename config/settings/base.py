"""The web tier's settings: Django, the database, cache, auth, security, the REST API,
logging. (The pipeline's workers: ``pipeline.py``.)"""

from __future__ import annotations

import contextlib
from pathlib import Path

from csp import constants as csp
from django.core.exceptions import ImproperlyConfigured

from config import env
from config.storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = Path(env.string("RANKWISE_DATA_DIR", str(BASE_DIR / "var")) or "var").resolve()
FRONTEND_DIST = BASE_DIR / "frontend" / "dist"

DEBUG = env.boolean("DJANGO_DEBUG", default=True)

_DEV_SECRET = "rankwise-development-only-secret-key-never-use-in-production-0123456789"
SECRET_KEY = env.string("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false.")
    SECRET_KEY = _DEV_SECRET

ALLOWED_HOSTS = env.string_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.string_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    # The apps in the order of the pipeline; each imports only the ones above it
    # (docs/ARCHITECTURE.md, enforced by import-linter in `make lint`).
    "projects",
    "annotation",
    "preferences",
    "dataset_versions",
    "training",
    "generation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "config" / "templates"],
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

# --- database ---------------------------------------------------------------
DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'rankwise.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat share one file: WAL lets readers run beside the writer,
    # IMMEDIATE transactions take the write lock up front instead of failing late.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.integer("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and a statement prepared once it has run
    # DATABASE_PREPARE_THRESHOLD times on a connection (Django's own default, None, never
    # prepares): PostgreSQL then skips parsing and planning the annotators' hot statements.
    # Behind a transaction-pooling PgBouncer older than 1.21, set both off (false, 0).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = env.boolean("DATABASE_SERVER_SIDE_BINDING", True)
    prepare_threshold = env.integer("DATABASE_PREPARE_THRESHOLD", 5, minimum=0)
    options["prepare_threshold"] = prepare_threshold or None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------
REDIS_URL = env.string("REDIS_URL")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login"
# Failed password checks allowed per account and per client address within the window
# (it opens with the first try); beyond either, sign-in answers 429 until it closes.
LOGIN_FAILURES_PER_USER = env.integer("RANKWISE_LOGIN_FAILURES_PER_USER", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env.integer("RANKWISE_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
LOGIN_FAILURES_WINDOW_SECONDS = env.integer(
    "RANKWISE_LOGIN_FAILURES_WINDOW_SECONDS", 15 * 60, minimum=1
)
# The failures are counted once for every web process: in Redis, or without it (the
# embedded mode's gunicorn workers) in files under the data directory. An entry lives a
# window by default, as the file cache's incr rewrites entries with the default expiry.
CACHES["throttle"] = {
    **(
        CACHES["default"]
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache" / "throttle"),
        }
    ),
    "KEY_PREFIX": "throttle",
    "TIMEOUT": LOGIN_FAILURES_WINDOW_SECONDS,
}

# --- internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files: the built SPA is served by whitenoise ----------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.string("DJANGO_STATIC_ROOT", str(DATA_DIR / "static")) or "").resolve()
# whitenoise warns on every start while collectstatic has never run
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [FRONTEND_DIST] if FRONTEND_DIST.is_dir() else []
# Models and exports: local disk under MEDIA_ROOT, or an S3-compatible bucket (config/storage.py).
STORAGES = {
    "default": default_storage_from_env(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env.string("RANKWISE_MEDIA_ROOT", str(DATA_DIR / "media")) or "").resolve()
MEDIA_URL = "/media/"
# Serve straight from the finders too, so a rebuilt frontend shows up without collectstatic.
WHITENOISE_USE_FINDERS = True
# Vite puts a content hash in every asset name: those may be cached forever.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^.+/assets/.+-[0-9A-Za-z_-]{8,}\.\w+$"

# --- security (check --deploy is clean when DJANGO_DEBUG=false) --------------
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.boolean("DJANGO_BEHIND_TLS_PROXY", False) else None
)
# Proxies in front that append to X-Forwarded-For: the client address is the entry this
# many places from the right (the ones further left are the client's own claims); 0 uses
# the connection's address. One by default behind DJANGO_BEHIND_TLS_PROXY.
TRUSTED_PROXIES = env.integer(
    "RANKWISE_TRUSTED_PROXIES", 1 if SECURE_PROXY_SSL_HEADER else 0, minimum=0
)
SECURE_SSL_REDIRECT = env.boolean("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# Container and load-balancer health probes speak plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.integer(
    "DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.boolean("DJANGO_SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SESSION_COOKIE_SECURE = env.boolean("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env.integer("DJANGO_SESSION_SECONDS", 14 * 24 * 3600, minimum=60)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts only from this origin,
# never inline or eval'd; the API docs' one inline <style> carries a per-response nonce
# (config/templates/api_docs.html). Images: the SPA's data: favicon, and the remote images
# in model output that an annotator asks to load (frontend MarkdownView).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:", "https:", "http:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer(
    "RANKWISE_MAX_REQUEST_BYTES", 10 * 1024 * 1024, minimum=1024
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Largest file an import accepts (API upload or management command), in bytes; a gzipped
# or Parquet file is held to it uncompressed too.
RANKWISE_MAX_IMPORT_BYTES = env.integer("RANKWISE_MAX_IMPORT_BYTES", 1024**3, minimum=1024)
# Deepest nesting of arrays/objects any JSON the API or an import reads may have.
RANKWISE_MAX_JSON_DEPTH = env.integer("RANKWISE_MAX_JSON_DEPTH", 64, minimum=1)
# API uploads up to this size import inside the request (201); larger ones become a job that
# a worker runs (202). The embedded SQLite mode imports every upload in the request.
RANKWISE_IMPORT_SYNC_BYTES = env.integer("RANKWISE_IMPORT_SYNC_BYTES", 2 * 1024**2, minimum=0)
# Longest record an import reads (a JSONL line, a CSV row, a Parquet row), refused while it
# is read. The default holds 17 texts at the cap below even when every character is \u-escaped.
RANKWISE_MAX_RECORD_BYTES = env.integer("RANKWISE_MAX_RECORD_BYTES", 16 * 1024**2, minimum=1024)
# Longest prompt (text, or all of a chat's messages) and completion an import accepts.
RANKWISE_MAX_TEXT_CHARS = env.integer("RANKWISE_MAX_TEXT_CHARS", 100_000, minimum=1)
# Largest metadata (of an item or of a completion) an import accepts, as JSON.
RANKWISE_MAX_METADATA_BYTES = env.integer("RANKWISE_MAX_METADATA_BYTES", 64 * 1024, minimum=2)

# --- REST API ---------------------------------------------------------------
_RENDERERS = ["rest_framework.renderers.JSONRenderer"]
if DEBUG:
    _RENDERERS.append("rest_framework.renderers.BrowsableAPIRenderer")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "projects.authentication.ProjectTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": _RENDERERS,
    # JSON only (bounded depth, no NaN: every bad body is a 400). A form has no null, no
    # types and no way to send nothing, so only the views that take a file (or, for
    # training runs, a tested form client) add multipart themselves; anything else is a 415.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "config.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Rankwise API",
    "DESCRIPTION": "Preference annotation, dataset versions and reward-model training.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "projects.models.Role",
        "FlagReasonEnum": "annotation.models.Ranking.FlagReason",
        "RankingKindEnum": "annotation.models.Ranking.Kind",
        "ReviewStatusEnum": "annotation.models.Ranking.Review",
        "TrainingRunStatusEnum": "training.models.TrainingRun.Status",
        "TrainingRunTriggerEnum": "training.models.TrainingRun.Trigger",
        "EvaluationSetKindEnum": "training.models.EvaluationSet.Kind",
        # Evaluation.Status has the same choices: one enum for both, named as before.
        "ExportJobStatusEnum": "dataset_versions.models.ExportJob.Status",
        "GeneratorKindEnum": "generation.models.Generator.Kind",
        # Import and generation jobs share their statuses: one enum, by its first name.
        "ImportJobStatusEnum": "annotation.models.ImportJob.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.add_error_responses",
        "config.schema.merge_schema_keywords",
    ],
}

# --- logging ----------------------------------------------------------------
LOG_LEVEL = env.choice("DJANGO_LOG_LEVEL", "info", ("debug", "info", "warning", "error")).upper()
LOG_FORMAT = env.choice("DJANGO_LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
