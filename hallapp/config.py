"""Settings. Defaults here, secrets in instance/config.py, overrides from the environment."""

import os
from datetime import timedelta


class Config:
    # "production" (HALL_ENV=production) refuses to start without its secrets: see
    # check_production and docs/deploy.md. Anything else is a development or demo machine.
    ENV = "development"
    # How many app hosts share this deployment. Above 1, SQLite cannot be the database.
    APP_HOSTS = 1
    # Proxies in front of the app (nginx: 1). X-Forwarded-For/-Proto/-Host are trusted from
    # exactly this many hops, so rate limits see the citizen's address, not the proxy's.
    TRUSTED_PROXIES = 0
    SECRET_KEY: str | None = (
        None  # instance/config.py or SECRET_KEY; a dev key is made on first run
    )
    SQLALCHEMY_DATABASE_URI: str | None = None  # None means instance/hall.sqlite
    # No pool_pre_ping: its round trip on every request is replaced by a look at the
    # pooled connection's socket (sqlite.configure_postgresql).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL: str | None = None
    # SQLite only: writers queue up instead of failing; see hallapp/sqlite.py.
    SQLITE_IMMEDIATE_TRANSACTIONS = True
    # How long a write waits for SQLite's one writer before the request fails with 503.
    SQLITE_BUSY_TIMEOUT_MS = 5000
    # PostgreSQL: a stopped or stalled database makes requests fail fast with 503.
    DB_CONNECT_TIMEOUT_SECONDS = 3
    DB_STATEMENT_TIMEOUT_MS = 15000
    DB_LOCK_TIMEOUT_MS = 5000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = (
        False  # the hall's intranet often serves plain http; set True behind TLS
    )
    # Sent with Strict-Transport-Security whenever SESSION_COOKIE_SECURE is on.
    HSTS_MAX_AGE = 365 * 24 * 3600
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Counter screens stay open all day: the CSRF token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    # Every upload (staff lists, booking exports) and form: beyond this the answer is 413.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ADDRESS = "20 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 5 minutes"
    # The public suggestion form: one address (a kiosk is one address too) and one hall.
    SUGGESTION_LIMIT_PER_ADDRESS = "10 per 10 minutes"
    SUGGESTION_LIMIT_PER_HALL = "300 per hour"
    # Seconds a person needs at least to fill the form; faster posts are bots.
    SUGGESTION_MIN_FILL_SECONDS = 3

    # Queue rules (hallapp/services/queue/). A normal ticket waiting this long is called
    # alongside the priority tickets, so a stream of them cannot hold it back for ever.
    QUEUE_PRIORITY_AGING_MINUTES = 20
    QUEUE_RECALLS_BEFORE_NO_SHOW = 3  # the press after this many recalls marks a no-show
    QUEUE_RECOVERY_MINUTES = 30  # a no-show back within this window is put back in line
    QUEUE_RECOVERY_PLACES = 3  # ... this many places behind the head of the queue
    QUEUE_ESTIMATE_SAMPLE = 20  # recent services averaged for wait estimates
    QUEUE_ESTIMATE_CACHE_SECONDS = 30  # each worker measures that mean at most this often

    # Keyed hash for identity numbers; set a real secret in production.
    IDENTITY_HASH_KEY: str | None = None
    # Days the desk keeps masked numbers, keyed hashes and phones; `flask purge` erases older.
    IDENTITY_RETENTION_DAYS = 30
    # Booking CSV imports stop at this many rows (write transactions stay short).
    APPOINTMENT_IMPORT_MAX_ROWS = 2000
    # From this age (by the identity card's birth date) the desk suggests the senior lane.
    SENIOR_LANE_AGE = 70

    # Public screens (hallapp/blueprints/public).
    KIOSK_IDLE_SECONDS = 60  # the kiosk returns to its start screen after this idle time
    KIOSK_SLIP_SECONDS = 15  # ... and from the ticket it just printed
    KIOSK_LIMIT_PER_KIOSK = "12 per minute"
    KIOSK_LIMIT_PER_ADDRESS = "30 per minute"
    KIOSK_SETUP_LIMIT = "10 per 5 minutes"
    # A kiosk's session (the only permanent session) lasts a working day; staff open it
    # again each morning. Also the lifetime of the permanent-session cookie.
    KIOSK_SESSION_LIFETIME = timedelta(hours=12)
    # Phones poll their tracking page this often, and only while it is visible; every
    # TRACK_POLL_SECONDS_NEAR once fewer than TRACK_NEAR_AHEAD are ahead, so that a call
    # reaches the phone within 2 s.
    TRACK_POLL_SECONDS = 3
    TRACK_POLL_SECONDS_NEAR = 1
    TRACK_NEAR_AHEAD = 5
    # Rendered live-screen fragments kept per worker, keyed by the hall's version.
    LIVE_RENDER_CACHE_SIZE = 512
    # How long a worker reuses what a poll reads before it can answer 204 (the hall's
    # version, which hall a code or ticket is, a device's pass). A change reaches the
    # screens at most this much later; boards poll every second, so it stays within 2 s.
    LIVE_RECENT_SECONDS = 0.25
    # The address phones reach the tracking page at, for the QR code; None: this request's host.
    PUBLIC_BASE_URL: str | None = None
    # Text messages: a class path taking the app config, or None for the log-file gateway,
    # which demo machines only use (it texts nobody; the outbox says "written to the log").
    NOTIFY_GATEWAY: str | None = None
    NOTIFY_LOG_PATH: str | None = None  # None: instance/notifications.log
    # An SMS provider (hallapp/services/sms.py): NOTIFY_GATEWAY =
    # "hallapp.services.sms.HttpSmsGateway". Production must name a gateway.
    SMS_API_URL: str | None = None
    SMS_ACCESS_KEY: str | None = None
    SMS_SIGN_NAME: str | None = None
    SMS_TEMPLATES: dict = {}  # our template key -> the provider's template code
    SMS_TIMEOUT = 5
    # Health and observation (hallapp/observe.py).
    LOG_JSON = False  # one JSON object per log line, each with the request id
    # /metrics answers these client addresses (after ProxyFix) or a bearer token.
    METRICS_ALLOWED_ADDRESSES: tuple = ("127.0.0.1", "::1")
    METRICS_TOKEN: str | None = None


class TestConfig(Config):
    TESTING = True
    # bandit B105: a fixed key for the test suite only; the app loads TestConfig only in tests.
    SECRET_KEY = "test-secret-key"  # nosec B105
    WTF_CSRF_ENABLED = False
    SERVER_NAME = "hall.test"
    IDENTITY_HASH_KEY = "test-identity-key"
    # The test's own session only reads between requests; live servers under test turn it on.
    SQLITE_IMMEDIATE_TRANSACTIONS = False
    # Tests see every change at once; tests/views/test_live_recent.py sets a clock and an age.
    LIVE_RECENT_SECONDS = 0


class ConfigurationError(RuntimeError):
    """The settings cannot run this deployment; the message says what to set."""


def check_production(config: dict) -> None:
    """Production takes its secrets and database from the configuration, never from a file
    one host made for itself: two hosts with different identity keys would stop finding
    returning visitors, and each would have its own SQLite hall."""
    problems = []
    for key, variable in (
        ("SECRET_KEY", "SECRET_KEY"),
        ("IDENTITY_HASH_KEY", "HALL_IDENTITY_HASH_KEY"),
        ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"),
    ):
        if not config.get(key):
            problems.append(f"{variable} is not set")
    url = config.get("SQLALCHEMY_DATABASE_URI") or ""
    hosts = int(config.get("APP_HOSTS") or 1)
    if url.startswith("sqlite") and hosts > 1:
        problems.append(
            f"HALL_APP_HOSTS is {hosts} but DATABASE_URL is SQLite, a file on one host; "
            "use PostgreSQL"
        )
    if hosts > 1 and not config.get("REDIS_URL"):
        problems.append(
            f"HALL_APP_HOSTS is {hosts} but REDIS_URL is not set: rate limits would count per host"
        )
    if problems:
        raise ConfigurationError(
            "HALL_ENV=production refuses to start: " + "; ".join(problems) + ". See docs/deploy.md."
        )


def environment_overrides() -> dict:
    """Plain environment names the deployment guide uses, besides HALL_* prefixed ones."""
    overrides: dict = {}
    if url := os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    if key := os.environ.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = key
    if key := os.environ.get("IDENTITY_HASH_KEY"):
        overrides["IDENTITY_HASH_KEY"] = key
    if redis_url := os.environ.get("REDIS_URL"):
        overrides["REDIS_URL"] = redis_url
        overrides["RATELIMIT_STORAGE_URI"] = redis_url
    return overrides
