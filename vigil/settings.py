"""Vigil settings: one module, configured by environment variables.

Every variable has a harmless development default, except that production
(VIGIL_DEBUG unset or false) refuses to start without a real secret key.
"""

import ipaddress
import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name, default=""):
    """A string from NAME, or from the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(name + "_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


DEBUG = envbool("VIGIL_DEBUG", False)
TESTING = envbool("VIGIL_TESTING", False)

_DEV_SECRET = "vigil-development-only-secret-key-do-not-use-in-production"  # noqa: S105
SECRET_KEY = envstr("VIGIL_SECRET_KEY", _DEV_SECRET if (DEBUG or TESTING) else "")
if not SECRET_KEY or (SECRET_KEY == _DEV_SECRET and not (DEBUG or TESTING)):
    raise ImproperlyConfigured(
        "Set VIGIL_SECRET_KEY (or VIGIL_SECRET_KEY_FILE) to a long random value, "
        "or VIGIL_DEBUG=true for development."
    )

ALLOWED_HOSTS = [h for h in envstr("VIGIL_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in envstr("VIGIL_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "vigil.core",
    "vigil.areas",
    "vigil.accounts",
    "vigil.people",
    "vigil.declarations",
    "vigil.verification",
    "vigil.triage",
    "vigil.quarantine",
    "vigil.testing",
    "vigil.investigation",
    "vigil.lodging",
    "vigil.reports",
    "vigil.audit",
    "vigil.jobs",
    "vigil.api",
    "vigil.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "vigil.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "vigil.accounts.twofactor.TwoFactorMiddleware",
    "vigil.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "vigil.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "vigil.urls"
WSGI_APPLICATION = "vigil.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "vigil" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "vigil.core.context_processors.vigil",
            ],
        },
    },
]

# Database: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.
VAR_DIR = Path(envstr("VIGIL_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = envstr("DATABASE_URL", "")
# Every SQLite database Vigil opens, the embedded default or one named by a
# `sqlite:///…` DATABASE_URL, gets these settings.
SQLITE_OPTIONS = {
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write
    # lock at BEGIN so that concurrent writers queue instead of failing with
    # "database is locked" half-way through.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def sqlite_database(name, options=None):
    """Vigil's SQLite settings for the file `name` (`options` from the URL win)."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": name,
        "OPTIONS": {**SQLITE_OPTIONS, **(options or {})},
    }


# PgBouncer in transaction pooling mode between Vigil and PostgreSQL
# (docs/scaling.md): consecutive statements may run on different server
# connections, so no server-side cursors (an export then reads its rows in one
# piece: let the worker connect directly) and no startup options, which
# PgBouncer refuses (set `jit = off` on the role instead).
VIGIL_PGBOUNCER = envbool("VIGIL_PGBOUNCER", False)


def postgresql_database(url, **extra):
    """Vigil's settings for the database of `url` (PostgreSQL, or any other
    engine dj-database-url knows, left as it is)."""
    database = dj_database_url.parse(url, conn_max_age=60, **extra)
    if not database["ENGINE"].endswith("postgresql"):
        return database
    options = database.setdefault("OPTIONS", {})
    if VIGIL_PGBOUNCER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        flags = [options.get("options", "")]
        if not envbool("VIGIL_PG_JIT", False):
            # PostgreSQL's JIT compiles any query whose estimated cost is high,
            # 35-55 ms at a time: the police view over a million guest stays
            # spent more in compiling than in answering. Vigil's queries are
            # short; off.
            flags.append("-c jit=off")
        if not envbool("VIGIL_PG_PARALLEL", False):
            # Parallel workers speed one query up on an idle server by taking
            # the cores other requests wait for: with ten staff users on two
            # cores, the lists' p95 fell from 376-583 ms to 252-347 ms without
            # them (bench/README.md, "lists.py"). Each request keeps its core.
            flags.append("-c max_parallel_workers_per_gather=0")
        if any(flags):
            options["options"] = " ".join(flag for flag in flags if flag)
    return database


if DATABASE_URL.startswith("sqlite:"):
    _parsed = dj_database_url.parse(DATABASE_URL)
    DATABASES = {"default": sqlite_database(_parsed["NAME"], _parsed.get("OPTIONS"))}
elif DATABASE_URL:
    DATABASES = {"default": postgresql_database(DATABASE_URL)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {"default": sqlite_database(VAR_DIR / "vigil.sqlite3")}

# A PostgreSQL streaming replica of the default database, for the reads that
# may be a few seconds old (statistics, dashboard, exports, list counts): see
# vigil/core/db_router.py and docs/scaling.md. Writes never go there. Only
# beside a PostgreSQL DATABASE_URL (ignored on SQLite, which has no replicas).
DATABASE_REPLICA_URL = envstr("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    _replica = postgresql_database(DATABASE_REPLICA_URL, conn_health_checks=True)
    if not _replica["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name a PostgreSQL server.")
    # A replica that does not answer must not hold a page: give up quickly.
    _replica["OPTIONS"].setdefault("connect_timeout", 2)
    # The replica copies the whole server, the test database included: the
    # test runner creates nothing there and only renames the database it reads
    # (same host and port, the test database's name).
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["vigil.core.db_router.ReplicaRouter"]
# Reads go to the primary while the replica is further behind than this.
VIGIL_REPLICA_MAX_LAG_SECONDS = envint("VIGIL_REPLICA_MAX_LAG_SECONDS", 30)
# How often each process checks the replica's health and lag, and how long a
# replica that failed stays out before the next try.
VIGIL_REPLICA_CHECK_SECONDS = envint("VIGIL_REPLICA_CHECK_SECONDS", 5)
# Parallel workers a statistics page may use for its sums (core.db_router.
# parallel_aggregates); 0: none. Other requests use none (VIGIL_PG_PARALLEL).
VIGIL_PG_AGGREGATE_WORKERS = envint("VIGIL_PG_AGGREGATE_WORKERS", 2)
VIGIL_REPLICA_RETRY_SECONDS = envint("VIGIL_REPLICA_RETRY_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of accounts.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: failures counted over a sliding window.
LOGIN_FAILURE_WINDOW_MINUTES = envint("VIGIL_LOGIN_FAILURE_WINDOW_MINUTES", 15)
LOGIN_FAILURES_PER_ACCOUNT = envint("VIGIL_LOGIN_FAILURES_PER_ACCOUNT", 5)
LOGIN_FAILURES_PER_ADDRESS = envint("VIGIL_LOGIN_FAILURES_PER_ADDRESS", 20)

# Two-step verification (TOTP, vigil.accounts.twofactor): required of the
# accounts of these task groups (comma-separated; optional for the others).
# Off by default in development (the demo) and tests, which turn it on where
# they test it.
VIGIL_REQUIRE_2FA_TASKS = [
    t.strip()
    for t in envstr("VIGIL_REQUIRE_2FA_TASKS", "" if (DEBUG or TESTING) else "admin").split(",")
    if t.strip()
]
# True when the single sign-on provider already asked for a second factor:
# an SSO login then needs no code here.
VIGIL_SSO_TRUSTED_MFA = envbool("VIGIL_SSO_TRUSTED_MFA", False)
# Wrong codes in a row before an account must wait, and how long.
VIGIL_2FA_MAX_ATTEMPTS = envint("VIGIL_2FA_MAX_ATTEMPTS", 5)
VIGIL_2FA_LOCK_MINUTES = envint("VIGIL_2FA_LOCK_MINUTES", 15)

# SSO: the province's government SSO (OpenID Connect, vigil.accounts.sso). On
# when a client id and the issuer (whose discovery document gives the
# endpoints) or the four endpoint URLs are set. It logs in only accounts that
# exist, matched by one claim to the user name or the e-mail; it creates none.
AUTHENTICATION_BACKENDS = [
    "vigil.accounts.sso.PasswordBackend",  # Django's ModelBackend + VIGIL_LOCAL_LOGIN
    "vigil.accounts.sso.SSOBackend",
]
VIGIL_OIDC_ISSUER = envstr("VIGIL_OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = envstr("VIGIL_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = envstr("VIGIL_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = envstr("VIGIL_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = envstr("VIGIL_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = envstr("VIGIL_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = envstr("VIGIL_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = envstr("VIGIL_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = envstr("VIGIL_OIDC_SCOPES", "openid profile email")
OIDC_USE_PKCE = envbool("VIGIL_OIDC_USE_PKCE", True)
OIDC_TIMEOUT = envint("VIGIL_OIDC_TIMEOUT_SECONDS", 10)
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso-callback"
VIGIL_OIDC_CLAIM = envstr("VIGIL_OIDC_CLAIM", "preferred_username")
VIGIL_OIDC_MATCH = envstr("VIGIL_OIDC_MATCH", "username")
if VIGIL_OIDC_MATCH not in ("username", "email"):
    raise ImproperlyConfigured("VIGIL_OIDC_MATCH must be 'username' or 'email'")
# VIGIL_LOCAL_LOGIN=false hides the password form and refuses passwords, except
# for the break-glass accounts named here (for when the SSO itself is down).
VIGIL_LOCAL_LOGIN = envbool("VIGIL_LOCAL_LOGIN", True)
VIGIL_LOCAL_LOGIN_ACCOUNTS = [
    a.strip() for a in envstr("VIGIL_LOCAL_LOGIN_ACCOUNTS", "").split(",") if a.strip()
]
if not VIGIL_LOCAL_LOGIN and not OIDC_RP_CLIENT_ID:
    raise ImproperlyConfigured("VIGIL_LOCAL_LOGIN=false needs the SSO (VIGIL_OIDC_CLIENT_ID)")

# Internationalisation: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "vigil" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = envstr("VIGIL_TIME_ZONE", "Asia/Ho_Chi_Minh")
FORMAT_MODULE_PATH = ["vigil.formats"]
LANGUAGE_COOKIE_NAME = "vigil_language"

STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("VIGIL_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
if DEBUG or TESTING:
    # Served from the source folders (WhiteNoise's finders); the empty root
    # only keeps WhiteNoise from warning that it is missing.
    WHITENOISE_USE_FINDERS = True
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "vigil" / "static"]
# Uploaded files (investigation attachments) go through Django's storage API:
# files under VIGIL_VAR_DIR/media by default; a province may point
# VIGIL_FILE_STORAGE at another backend (e.g. "storages.backends.s3.S3Storage"
# from django-storages for S3-compatible storage) with its options as JSON in
# VIGIL_FILE_STORAGE_OPTIONS.
STORAGES = {
    "default": {
        "BACKEND": envstr("VIGIL_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(envstr("VIGIL_FILE_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Security defaults. In production (neither debug nor tests) the site is
# HTTPS only: secure cookies, HSTS, and plain HTTP redirected to HTTPS.
_PRODUCTION = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _PRODUCTION and envbool("VIGIL_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = envint("VIGIL_SESSION_HOURS", 12) * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A CSRF refusal under /api/ answers in the API's JSON error shape.
CSRF_FAILURE_VIEW = "vigil.urls.csrf_failure"
SECURE_HSTS_SECONDS = envint("VIGIL_HSTS_SECONDS", 365 * 24 * 3600) if _PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("VIGIL_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("VIGIL_HSTS_PRELOAD", True)
# Off only where TLS is terminated by something that already refuses plain
# HTTP and does not tell the app (VIGIL_SSL_REDIRECT=false).
SECURE_SSL_REDIRECT = _PRODUCTION and envbool("VIGIL_SSL_REDIRECT", True)
# A load balancer's health check may come over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# The reverse proxies in front of the app servers (addresses or CIDRs,
# comma-separated). Only a request arriving from one of them has its client
# address taken from X-Forwarded-For (vigil.audit.services.client_ip), and
# only then is X-Forwarded-Proto believed. Empty: the peer is the client.
VIGIL_TRUSTED_PROXIES = [
    p.strip() for p in envstr("VIGIL_TRUSTED_PROXIES", "").split(",") if p.strip()
]
for _proxy in VIGIL_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"VIGIL_TRUSTED_PROXIES: bad address {_proxy!r}") from None
if envbool("VIGIL_BEHIND_TLS_PROXY", bool(VIGIL_TRUSTED_PROXIES)):
    if not VIGIL_TRUSTED_PROXIES:
        raise ImproperlyConfigured(
            "VIGIL_BEHIND_TLS_PROXY needs VIGIL_TRUSTED_PROXIES: the proxies whose "
            "X-Forwarded-Proto may be believed"
        )
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Intake look-ups by facility managers (people outside their district, by
# exact ID number or phone), per account and hour.
VIGIL_INTAKE_LOOKUPS_PER_HOUR = envint("VIGIL_INTAKE_LOOKUPS_PER_HOUR", 120)

# The deployment's place in the world.
VIGIL_AREA_TREE = envstr("VIGIL_AREA_TREE", "pre2025")
if VIGIL_AREA_TREE not in ("pre2025", "current"):
    raise ImproperlyConfigured("VIGIL_AREA_TREE must be 'pre2025' or 'current'")
VIGIL_HOME_PROVINCE = envstr("VIGIL_HOME_PROVINCE", "46")  # Tỉnh Thừa Thiên Huế
VIGIL_SITE_NAME = envstr("VIGIL_SITE_NAME", "Vigil")
# The province's name in public pages ("Khai báo về Huế").
VIGIL_PROVINCE_LABEL = envstr("VIGIL_PROVINCE_LABEL", "Huế")
# Citizens' one-time codes by SMS.
VIGIL_SMS_BACKEND = envstr("VIGIL_SMS_BACKEND", "file" if (DEBUG or TESTING) else "console")
if VIGIL_SMS_BACKEND not in ("console", "file", "http"):
    raise ImproperlyConfigured("VIGIL_SMS_BACKEND must be console, file or http")
VIGIL_SMS_FILE = envstr("VIGIL_SMS_FILE", str(VAR_DIR / "sms-outbox.jsonl"))
VIGIL_SMS_HTTP_URL = envstr("VIGIL_SMS_HTTP_URL", "")
VIGIL_SMS_HTTP_TOKEN = envstr("VIGIL_SMS_HTTP_TOKEN", "")
VIGIL_OTP_TTL_SECONDS = envint("VIGIL_OTP_TTL_SECONDS", 300)
VIGIL_OTP_MAX_ATTEMPTS = envint("VIGIL_OTP_MAX_ATTEMPTS", 5)
VIGIL_OTP_PER_PHONE_PER_HOUR = envint("VIGIL_OTP_PER_PHONE_PER_HOUR", 5)
VIGIL_OTP_PER_ADDRESS_PER_HOUR = envint("VIGIL_OTP_PER_ADDRESS_PER_HOUR", 30)
# How long a citizen stays signed in after entering a code.
VIGIL_CITIZEN_SESSION_MINUTES = envint("VIGIL_CITIZEN_SESSION_MINUTES", 120)
# Planned length of a quarantine stay, in days, and per type of facility
# ("medical=21,paid=14").
VIGIL_QUARANTINE_DAYS = envint("VIGIL_QUARANTINE_DAYS", 14)
VIGIL_QUARANTINE_DAYS_BY_KIND = {}
for _item in envstr("VIGIL_QUARANTINE_DAYS_BY_KIND", "").split(","):
    if _item.strip():
        _kind, _sep, _days = _item.partition("=")
        if not _days.strip().isdigit():
            raise ImproperlyConfigured(f"VIGIL_QUARANTINE_DAYS_BY_KIND: bad item {_item!r}")
        VIGIL_QUARANTINE_DAYS_BY_KIND[_kind.strip()] = int(_days)
# Excel exports: files are kept here; up to this many rows download at once,
# larger lists are written in the background.
# Long lists count their rows exactly up to this many, then show "10.000+"
# (vigil.core.paging): an exact count of a million rows on every page view
# would read them all.
VIGIL_LIST_COUNT_CAP = envint("VIGIL_LIST_COUNT_CAP", 10000)

# Epidemiological investigation (vigil.investigation).
# The outbreak map's base layer: a tile URL template ({z}/{x}/{y}) and its
# attribution; empty means no base layer (the outbreaks on a blank map), which
# is how the tests run. The tile server's origin is added to the
# Content-Security-Policy's img-src.
VIGIL_MAP_TILES = envstr(
    "VIGIL_MAP_TILES", "" if TESTING else "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
VIGIL_MAP_ATTRIBUTION = envstr(
    "VIGIL_MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
# The province's bounding box, "min longitude,min latitude,max longitude,max
# latitude": outbreak coordinates must lie inside it. Default: Thừa Thiên Huế.
VIGIL_PROVINCE_BBOX = tuple(
    float(v) for v in envstr("VIGIL_PROVINCE_BBOX", "107.00,15.95,108.25,16.80").split(",")
)
if len(VIGIL_PROVINCE_BBOX) != 4:
    raise ImproperlyConfigured("VIGIL_PROVINCE_BBOX needs four numbers")
# Files attached to an investigation: the largest accepted, and the kinds
# accepted (checked on the content, not the name).
VIGIL_ATTACHMENT_MAX_MB = envint("VIGIL_ATTACHMENT_MAX_MB", 20)
# Medical monitoring (R-E5): days from the last contact or the arrival.
VIGIL_MONITORING_DAYS = envint("VIGIL_MONITORING_DAYS", 14)
# A contact is "reached" when investigated within this many hours of being
# recorded (the dashboard's share of contacts reached).
VIGIL_CONTACT_REACHED_HOURS = envint("VIGIL_CONTACT_REACHED_HOURS", 24)

# Accommodation (vigil.lodging): a guest's declaration made in this many days
# before the check-in is linked to the stay instead of asking for a new one.
VIGIL_GUEST_DECLARATION_DAYS = envint("VIGIL_GUEST_DECLARATION_DAYS", 14)
# The police view flags an open establishment that registered no guest for
# this many days.
VIGIL_LODGING_IDLE_DAYS = envint("VIGIL_LODGING_IDLE_DAYS", 3)

VIGIL_EXPORT_DIR = envstr("VIGIL_EXPORT_DIR", str(VAR_DIR / "exports"))
VIGIL_EXPORT_SYNC_ROWS = envint("VIGIL_EXPORT_SYNC_ROWS", 20000)
# Excel imports (paper forms, lab sheets): no uploaded file may pass this size
# (a file over it is dropped while it streams in, by the first upload handler);
# a sheet is read for at most this long, at most this many columns of its
# header, and ends at this many blank rows in a row; its zip may hold at most
# this many members. Files of more rows than VIGIL_IMPORT_SYNC_ROWS are checked
# and saved by the worker (kept in VIGIL_IMPORT_DIR meanwhile).
VIGIL_UPLOAD_MAX_BYTES = envint("VIGIL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
VIGIL_IMPORT_MAX_SECONDS = envint("VIGIL_IMPORT_MAX_SECONDS", 10)
VIGIL_IMPORT_MAX_COLUMNS = envint("VIGIL_IMPORT_MAX_COLUMNS", 200)
VIGIL_IMPORT_BLANK_RUN = envint("VIGIL_IMPORT_BLANK_RUN", 1000)
VIGIL_IMPORT_MAX_MEMBERS = envint("VIGIL_IMPORT_MAX_MEMBERS", 200)
VIGIL_IMPORT_SYNC_ROWS = envint("VIGIL_IMPORT_SYNC_ROWS", 500)
VIGIL_IMPORT_DIR = envstr("VIGIL_IMPORT_DIR", str(VAR_DIR / "imports"))
FILE_UPLOAD_HANDLERS = [
    "vigil.core.xlsx.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# Background jobs (vigil.jobs) are django-tasks tasks queued in the database
# and run by `manage.py jobs_worker`. VIGIL_JOBS_EAGER runs them inline instead
# (tests, or a single-process set-up without a worker).
VIGIL_JOBS_EAGER = envbool("VIGIL_JOBS_EAGER", TESTING)
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if VIGIL_JOBS_EAGER
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}
# A running job whose heartbeat is older than this is taken as lost with its
# worker and marked failed (at worker start, by `manage.py recover_jobs`, and
# when its page is read).
VIGIL_JOB_STALE_SECONDS = envint("VIGIL_JOB_STALE_SECONDS", 300)
# Key that signs declaration QR codes; rotating it invalidates printed codes.
VIGIL_QR_SECRET = envstr("VIGIL_QR_SECRET", SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("VIGIL_LOG_LEVEL", "WARNING")},
}
