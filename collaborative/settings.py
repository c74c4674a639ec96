"""Settings for the Living Well Collaborative application.

Everything comes from the environment. With nothing set, a fresh checkout runs on
SQLite under var/, a Celery broker on the filesystem and email printed to the console.
The defaults are production-safe: DEBUG is off, and without DEBUG there is no default
SECRET_KEY. `make run`, the other Makefile targets and the tests set DEBUG=true.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and EMAIL_URL.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Everything the application writes at run time (SQLite, broker queue, cache) lives here.
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless set: a server started without it never shows tracebacks or uses the development key.
DEBUG = env.bool("DEBUG", default=False)

# A fixed development key is only acceptable while DEBUG is on.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
# Earlier keys, when SECRET_KEY is changed: sessions, links in emails and the encrypted
# two-step secrets (members/secrets.py) made with them keep working.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

# The address people use to reach the site, for links in emails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "collaborative.apps.SiteAdminConfig",  # Django's admin, signed in to through allauth.
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "members",
    "notifications",
    "meetings",
    "vision",
    "actions",
    "payments",
    "asks",
    "impact",
    "discussions",
    "home",  # The top layer: the home page and the demo data, above every app.
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "collaborative.middleware.SessionRenewalMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "collaborative.middleware.TwoFactorMiddleware",
    "collaborative.outages.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "collaborative.urls"
WSGI_APPLICATION = "collaborative.wsgi.application"

FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% partialdef %} everywhere without {% load %}; it is built into Django 6.
            "builtins": ["template_partials.templatetags.partials"],
            # The core's template filters; `collaborative` is not an app, so they are named here.
            "libraries": {
                "dates": "collaborative.templatetags.dates",
                "fresh": "collaborative.templatetags.fresh",
            },
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "members.context_processors.navigation",
                "discussions.context_processors.unread",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share the file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis is the Celery broker and the shared cache (allauth's rate limits live in the
# cache, so every web process must see the same one). Without Redis, the broker and the
# cache are folders under var/, shared by all processes on the machine.
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="lwc")
if REDIS_URL:
    CACHES = {
        "default": {
            # While Redis is down, each process counts rate limits in its own memory
            # instead of failing every sign-in (collaborative/cache.py).
            "BACKEND": "collaborative.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # A Redis that has gone away must not hold a request for long.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that dies is given to another after this many seconds.
    # Retries never wait longer than ten minutes, well inside it.
    # Workers look for such tasks every few seconds (kombu's default is every 100 s).
    VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(10, VISIBILITY_TIMEOUT // 4)),
        "unacked_restore_throttle": 1,
        # A Redis that stops answering without closing the connection must not hold a
        # page that queues a task for ever (kombu waits for ever by default).
        "socket_connect_timeout": 5,
        "socket_timeout": 5,
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Parts of pages are kept here too (collaborative.freshness): at Django's default of 300 files it
            # would throw away a third of them, fresh ones included, every time it filled up.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
    BROKER_DIR = VAR_DIR / "broker"
    (BROKER_DIR / "queue").mkdir(parents=True, exist_ok=True)
    (BROKER_DIR / "processed").mkdir(parents=True, exist_ok=True)
    (BROKER_DIR / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }

CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {"task": "collaborative.tasks.heartbeat", "schedule": 60.0},
    "fold-data-changes": {"task": "collaborative.tasks.fold_data_changes_task", "schedule": 60.0},
    "dispatch-messages": {"task": "notifications.tasks.dispatch_messages_task", "schedule": 60.0},
    "gather-digests": {"task": "notifications.tasks.gather_digests_task", "schedule": 60.0},
    "meeting-reminders": {"task": "meetings.tasks.queue_reminders_task", "schedule": 60.0},
    "action-follow-ups": {"task": "actions.tasks.queue_follow_ups_task", "schedule": 60.0},
    "vision-reminders": {"task": "vision.tasks.queue_reminders_task", "schedule": 60.0},
    "vision-count-rounds": {"task": "vision.tasks.count_closed_rounds_task", "schedule": 60.0},
    # Due on a day, from 9am Collaborative time: every quarter of an hour is soon enough.
    "payments-expenses-to-claim": {"task": "payments.tasks.queue_expenses_reminders_task", "schedule": 900.0},
    "payments-waiting-lists": {"task": "payments.tasks.queue_waiting_lists_task", "schedule": 900.0},
    "asks-reminders-and-overdue": {"task": "asks.tasks.queue_clock_emails_task", "schedule": 900.0},
    # Polls (issue 18): closing on time matters (an anonymous poll's ballots go then); the day-before reminder
    # can be a quarter of an hour late.
    "discussions-close-polls": {"task": "discussions.tasks.close_due_polls_task", "schedule": 60.0},
    "discussions-polls-closing-soon": {"task": "discussions.tasks.queue_polls_closing_soon_task", "schedule": 900.0},
}

# Parts of pages kept ready-made until the data changes (collaborative.freshness). Off, every page is
# made afresh on every request: for measuring what making them costs (bench/load.py --cold), or to rule
# the cache out when looking into a problem.
FRESH_PARTS = env.bool("FRESH_PARTS", default=True)

# Sending email: the first retry after a failure waits about this many seconds, then
# twice as long each time, never more than ten minutes.
NOTIFICATION_RETRY_BASE = env.float("NOTIFICATION_RETRY_BASE", default=15.0)

# Accounts: email is the login; django-allauth does sign-up, verification, codes and resets.
AUTH_USER_MODEL = "members.User"
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
LOGIN_REDIRECT_URL = "members:start"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_ADAPTER = "members.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "members.allauth_forms.LoginForm",
    "signup": "members.allauth_forms.SignupForm",
    "request_login_code": "members.allauth_forms.RequestLoginCodeForm",
    "reset_password": "members.allauth_forms.ResetPasswordForm",
}
ACCOUNT_USER_DISPLAY = str
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# allauth's default rate limits apply (e.g. 5 failed logins per account in 5 minutes,
# 3 sign-in codes per address a minute). They count in the default cache: Redis in
# production, so every web process shares them.

# Two-step sign-in (allauth.mfa): an authenticator app's code, with recovery codes for
# a lost phone. Facilitators and commissioners must set it up (collaborative/permissions.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Living Well Collaboratives"
MFA_ADAPTER = "members.adapter.MFAAdapter"
MFA_FORMS = {
    "activate_totp": "members.allauth_forms.ActivateTOTPForm",
    "authenticate": "members.allauth_forms.AuthenticateForm",
    "reauthenticate": "members.allauth_forms.ReauthenticateForm",
}

# Sessions end after a period without any request: a visit renews the expiry, at most once
# every SESSION_RENEW_SECONDS (collaborative.middleware.SessionRenewalMiddleware), rather
# than writing the session on every page. Unless "keep me signed in" is ticked on the login
# page, the session also ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=60 * 60 * 24 * 7)
SESSION_RENEW_SECONDS = env.int("SESSION_RENEW_SECONDS", default=60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Email: printed to the console unless EMAIL_URL names an SMTP server
# (smtp+tls://user:password@host:587).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# A mail server that stops answering must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Living Well Collaboratives <no-reply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# Replying by email (discussions/links.py, discussions/inbound.py): emails about a discussion carry a reply
# address <REPLY_EMAIL_PREFIX>+<signed token>@<REPLY_EMAIL_DOMAIN>, and `manage.py inbound_smtp` takes the
# replies in. With no domain set, replying by email is off: no Reply-To, and no line saying you can reply.
REPLY_EMAIL_DOMAIN = env.str("REPLY_EMAIL_DOMAIN", default="").strip().lower()
REPLY_EMAIL_PREFIX = env.str("REPLY_EMAIL_PREFIX", default="reply").strip().lower()
# Where `manage.py inbound_smtp` listens, and the biggest email it takes (bigger ones are refused with 552).
INBOUND_SMTP_HOST = env.str("INBOUND_SMTP_HOST", default="127.0.0.1")
INBOUND_SMTP_PORT = env.int("INBOUND_SMTP_PORT", default=2525)
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=10 * 1024 * 1024)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Evidence uploaded to actions: outside the web root, served only through a view that checks membership.
EVIDENCE_ROOT = Path(env.str("EVIDENCE_ROOT", default=str(VAR_DIR / "evidence")))

# The biggest file anyone can upload (evidence files: actions/evidence.py reads it). A file
# over it is dropped as it arrives, before any of it is stored (collaborative/uploads.py).
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "collaborative.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Content-Security-Policy: scripts and styles only from our own static files.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Security settings that `check --deploy` asks for. HTTPS (on unless DEBUG) turns on
# the redirect to https, HSTS and secure cookies; set HTTPS=false only to try the
# production stack on http://localhost. Behind a proxy that ends TLS, set
# BEHIND_TLS_PROXY=true so Django trusts its X-Forwarded-Proto header.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
X_FRAME_OPTIONS = "DENY"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Rate limits count tries per client address. Behind proxies, say how many add themselves
# to X-Forwarded-For, or every visitor would look like the proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
