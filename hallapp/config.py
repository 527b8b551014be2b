"""Settings. Defaults here, secrets in instance/config.py, overrides from the environment."""

import os
from datetime import timedelta


class Config:
    SECRET_KEY: str | None = (
        None  # instance/config.py or SECRET_KEY; a dev key is made on first run
    )
    SQLALCHEMY_DATABASE_URI: str | None = None  # None means instance/hall.sqlite
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL: str | None = None
    # SQLite only: writers queue up instead of failing; see hallapp/sqlite.py.
    SQLITE_IMMEDIATE_TRANSACTIONS = True

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

    # Queue rules (hallapp/services/queue.py). A normal ticket waiting this long is called
    # alongside the priority tickets, so a stream of them cannot hold it back for ever.
    QUEUE_PRIORITY_AGING_MINUTES = 20
    QUEUE_RECALLS_BEFORE_NO_SHOW = 3  # the press after this many recalls marks a no-show
    QUEUE_RECOVERY_MINUTES = 30  # a no-show back within this window is put back in line
    QUEUE_RECOVERY_PLACES = 3  # ... this many places behind the head of the queue
    QUEUE_ESTIMATE_SAMPLE = 20  # recent services averaged for wait estimates

    # Keyed hash for identity numbers; set a real secret in production.
    IDENTITY_HASH_KEY: str | None = None
    # Days the desk keeps masked numbers, keyed hashes and phones; `flask purge` erases older.
    IDENTITY_RETENTION_DAYS = 30

    # Public screens (hallapp/blueprints/public).
    KIOSK_IDLE_SECONDS = 60  # the kiosk returns to its start screen after this idle time
    KIOSK_SLIP_SECONDS = 30  # ... and from the ticket it just showed
    KIOSK_LIMIT_PER_KIOSK = "12 per minute"
    KIOSK_LIMIT_PER_ADDRESS = "30 per minute"
    KIOSK_SETUP_LIMIT = "10 per 5 minutes"
    # A kiosk's session (the only permanent session) lasts a working day; staff open it
    # again each morning. Also the lifetime of the permanent-session cookie.
    KIOSK_SESSION_LIFETIME = timedelta(hours=12)
    # The address phones reach the tracking page at, for the QR code; None: this request's host.
    PUBLIC_BASE_URL: str | None = None
    # Text messages: a class path taking the app config, or None for the log-file gateway.
    NOTIFY_GATEWAY: str | None = None
    NOTIFY_LOG_PATH: str | None = None  # None: instance/notifications.log


class TestConfig(Config):
    TESTING = True
    # bandit B105: a fixed key for the test suite only; the app loads TestConfig only in tests.
    SECRET_KEY = "test-secret-key"  # nosec B105
    WTF_CSRF_ENABLED = False
    SERVER_NAME = "hall.test"
    IDENTITY_HASH_KEY = "test-identity-key"
    # The test's own session only reads between requests; live servers under test turn it on.
    SQLITE_IMMEDIATE_TRANSACTIONS = False


def environment_overrides() -> dict:
    """Plain environment names the deployment guide uses, besides HALL_* prefixed ones."""
    overrides: dict = {}
    if url := os.environ.get("DATABASE_URL"):
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    if key := os.environ.get("SECRET_KEY"):
        overrides["SECRET_KEY"] = key
    if redis_url := os.environ.get("REDIS_URL"):
        overrides["REDIS_URL"] = redis_url
        overrides["RATELIMIT_STORAGE_URI"] = redis_url
    return overrides
