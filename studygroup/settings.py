"""Settings for studygroup, all from the environment.

Local runs need nothing set: debug on, a SQLite file beside the code, console e-mail.
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL;
debug off switches on secure cookies, HTTPS redirects and HSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    # Strict, as in healthchecks: a typo (DJANGO_BEHIND_TLS_PROXY=ture) or an empty value
    # is refused rather than quietly read as "no".
    value = os.environ.get(name, default)
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is neither yes nor no: use 1, true, yes or on, or 0, false, no or off"
    )


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number") from None


def envfloat(name: str, default: str) -> float:
    value = os.environ.get(name, default)
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number of seconds") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DJANGO_DEBUG", "1")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "insecure-local-development-key-never-use-in-production"

ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full text search (its GIN indexes); inert on SQLite
    "django_htmx",
    "reversion",
    "content",
    "django_tasks_db",  # the task queue in the database, run by `manage.py db_worker`
    "studygroup.core",
    "studygroup.accounts",
    "studygroup.groups",
    "studygroup.discussion",
    "studygroup.notifications",
    "studygroup.owndata",
    "studygroup.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studygroup.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the session and user (so its 400 page knows who is asking), before any view.
    "studygroup.core.middleware.BadInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Reads request.htmx: a refusal no view caught is a 409 (or the page's alert), not a 500.
    "studygroup.core.middleware.RefusedMiddleware",
    # Inside the session and htmx middleware: it keeps a lost session's text in the new one.
    "studygroup.accounts.drafts.LoginNeededMiddleware",
]

ROOT_URLCONF = "studygroup.urls"
WSGI_APPLICATION = "studygroup.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} with its paths kept once a process (studygroup/core/paths.py).
            "builtins": ["studygroup.core.templatetags.paths"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studygroup.notifications.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'studygroup.sqlite3'}",
        conn_max_age=envint("DJANGO_CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer is a 503 in seconds, not a worker held until gunicorn
    # kills it: connecting gives up after DJANGO_DB_CONNECT_TIMEOUT seconds, and no query
    # runs longer than DJANGO_DB_STATEMENT_TIMEOUT milliseconds (none of ours comes close).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "connect_timeout": envint("DJANGO_DB_CONNECT_TIMEOUT", "3"),
            "options": f"-c statement_timeout={envint('DJANGO_DB_STATEMENT_TIMEOUT', '5000')}",
        }
    )
    # psycopg's server-side binding (it prepares statements it runs often): off, as in
    # Django; `make bench`'s settings phase measures it (docs/benchmarks.md).
    if envbool("DJANGO_DB_SERVER_SIDE_BINDING", "0"):
        DATABASES["default"]["OPTIONS"]["server_side_binding"] = True
    # Behind a pooler in transaction mode (PgBouncer's pool_mode = transaction) a server
    # connection serves another client between transactions: nothing may outlive one. No
    # server-side cursors (Django's iterator() holds one open across transactions), no
    # startup options (PgBouncer refuses them: set statement_timeout on the database role
    # instead, README "Production"), and psycopg's client-side binding, Django's default,
    # prepares no statements.
    if envbool("DJANGO_DB_POOLED", "0"):
        if DATABASES["default"]["OPTIONS"].get("server_side_binding"):
            raise ImproperlyConfigured(
                "DJANGO_DB_SERVER_SIDE_BINDING prepares statements, which a pooler in "
                "transaction mode (DJANGO_DB_POOLED) hands to other clients: set one of them"
            )
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        del DATABASES["default"]["OPTIONS"]["options"]
# A database that takes connections but never answers (frozen): a request is cut off after
# REQUEST_DEADLINE seconds and answered with a 503, /healthz after HEALTH_DEADLINE
# (studygroup/core/deadline.py; gunicorn's sync workers, where a signal can interrupt).
REQUEST_DEADLINE = envfloat("DJANGO_REQUEST_DEADLINE", "5")
HEALTH_DEADLINE = envfloat("DJANGO_HEALTH_DEADLINE", "2")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "groups:dashboard"
LOGOUT_REDIRECT_URL = "content:home"

SESSION_COOKIE_AGE = 60 * 60 * 24 * 30

# The cache holds the rate-limit and log-in counts, so every app process and server must
# share it: Redis when configured, else a table in the database (`manage.py
# createcachetable`; the test database gets it when it is created). Never a per-process
# cache: four gunicorn workers would allow four times every limit.
REDIS_URL = os.environ.get("DJANGO_REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {
        "BACKEND": "studygroup.core.cache.DatabaseCache",  # Django's, with counting made atomic
        "LOCATION": "studygroup_cache",
        # Past this many entries Django culls, live counts too: keep it well above the
        # counts one window can hold.
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # What is the same for every reader (a chapter's paragraphs, a group's schedule), kept in
    # each process under keys that name the revisions it was built from (content/revisions.py):
    # a change is a new key, so a per-process cache is never stale and needs no network.
    "local": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "studygroup-local",
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
}
# Sessions live in the database, so any app server can serve any request; with Redis they
# are read from it first (Django's cached_db: written through to both, read from the cache),
# which spares every page a query. Without Redis the cache is a database table: no saving.
# Both are Django's, finding the row by a query compiled once (accounts/sessions.py).
SESSION_ENGINE = (
    "studygroup.accounts.cached_sessions" if REDIS_URL else "studygroup.accounts.sessions"
)
# Django's ModelBackend, loading the user the same way. Django's own stays listed for the
# sessions made before (a session names the backend that logged it in).
AUTHENTICATION_BACKENDS = [
    "studygroup.accounts.sessions.UserBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Rate limits, as (attempts, seconds) in fixed windows; see studygroup/core/ratelimit.py. Failed
# log-ins count per account (the user name, in any case) and per client address, and those
# two stay on when DJANGO_RATE_LIMITS=0 turns the others off.
login_attempts = envint("DJANGO_LOGIN_ATTEMPTS", "5")
RATE_LIMITS_ENABLED = envbool("DJANGO_RATE_LIMITS", "1")
RATE_LIMITS = {
    "login_account": (login_attempts, 15 * 60),
    "login_address": (4 * login_attempts, 15 * 60),  # a classroom may share one address
    "signup": (10, 60 * 60),
    "password_reset": (5, 60 * 60),
    "invite": (20, 10 * 60),  # invite codes tried, right or wrong
    "post": (30, 5 * 60),  # answers and comments per member
}
# How many proxies in front of the app append to X-Forwarded-For (1 for one load balancer).
# 0: the client is the connecting address and the header, which anyone can send, is ignored.
PROXY_HOPS = envint("DJANGO_PROXY_HOPS", "0")
if PROXY_HOPS < 0:
    raise ImproperlyConfigured(f"DJANGO_PROXY_HOPS={PROXY_HOPS} must be 0 or more")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Production serves hashed, pre-compressed files that whitenoise caches for ever.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Content-Security-Policy, enforced everywhere (debug too, so tests meet it): scripts only
# from our own static files, no inline script or style.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Read in every mode, so that a typo fails in a local run too, not first in production.
ssl_redirect = envbool("DJANGO_SECURE_SSL_REDIRECT", "1")
behind_tls_proxy = envbool("DJANGO_BEHIND_TLS_PROXY", "0")
hsts_seconds = envint("DJANGO_HSTS_SECONDS", "31536000")
if not DEBUG:
    SECURE_SSL_REDIRECT = ssl_redirect
    # A load balancer probes /healthz over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if behind_tls_proxy:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = hsts_seconds
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Mail (Django 6.1's MAILERS): the console in local runs without a mail host, SMTP otherwise.
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
email_port = envint("DJANGO_EMAIL_PORT", "587" if EMAIL_HOST else "25")
email_use_tls = envbool("DJANGO_EMAIL_USE_TLS", "1" if EMAIL_HOST else "0")
if DEBUG and not EMAIL_HOST:
    MAILERS: dict[str, dict[str, object]] = {
        "default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": EMAIL_HOST or "localhost",
                "port": email_port,
                "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
                "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
                "use_tls": email_use_tls,
                "timeout": 10,
            },
        }
    }
del EMAIL_HOST
# Slow follow-up work (mail) runs as tasks in a worker process: `manage.py db_worker`
# beside the web server (`make run` starts both). DJANGO_TASKS=immediate runs them in the
# request instead (no worker).
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if os.environ.get("DJANGO_TASKS") == "immediate"
        else "django_tasks_db.DatabaseBackend"
    }
}
# Links in e-mails point here (no request to take the host from when a mail is sent).
# Required in production: `check --deploy` fails without it (studygroup/core/checks.py).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "studygroup <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Admin uploads of study texts are read into memory; refuse anything absurd early.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
