"""Access logs hold no identity number and no token: never a query string, never a referrer,
never a path segment that is a key (a ticket's tracking id, a suggestion's code).

Searches carry identity numbers in `?q=`, and a referrer repeats the page's address, so
the access log keeps the method, the path and the status only; and whoever reads the log
must not be able to open a citizen's ticket or use up their rating, so random-looking path
segments become "…". gunicorn is told so by ACCESS_LOG_FORMAT and AccessLogger (the
Makefile passes both); Werkzeug's development and test servers log through the "werkzeug"
logger, whose records QueryStringScrubber cleans the same way.
"""

import logging
import re

from flask import Flask
from gunicorn.glogging import Logger as GunicornLogger

# gunicorn --access-logformat: %(U)s is the path without its query string; no %(f)s.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'

_QUERY = re.compile(r"(\"?[A-Z]+ [^\s?\"]*)\?[^\s\"]*")
_REQUEST_PATH = re.compile(r"(\"?[A-Z]+ )([^\s?\"]+)")
# A random key: 16+ URL-safe characters, or 8+ with both letters and digits. Route words
# ("appointments", "said-and-done") have no digits and are shorter.
_KEY = re.compile(
    r"[A-Za-z0-9_-]{16,}|(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}"
)


def scrub_path(path: str) -> str:
    """'/t/29HNzt-X-2s9fYW_dfbgeg' -> '/t/…'; static files keep their names."""
    if path.startswith("/static/"):
        return path
    return "/".join("…" if _KEY.fullmatch(part) else part for part in path.split("/"))


def scrub(line: str) -> str:
    """'GET /desk/search?q=110105... HTTP/1.1' -> 'GET /desk/search?… HTTP/1.1'."""
    line = _QUERY.sub(r"\1?…", line)
    return _REQUEST_PATH.sub(lambda m: m.group(1) + scrub_path(m.group(2)), line)


class QueryStringScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        return True


_SCRUBBER = QueryStringScrubber()


class AccessLogger(GunicornLogger):
    """gunicorn --logger-class hallapp.logs.AccessLogger: keys in paths become "…"."""

    # Only what ACCESS_LOG_FORMAT and timings use: no request line, query, referrer,
    # headers or environ atoms that could carry a number or a key.
    KEPT_ATOMS = ("h", "l", "u", "t", "s", "m", "U", "H", "b", "B", "a", "T", "D", "M", "L", "p")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        kept = {name: atoms[name] for name in self.KEPT_ATOMS if name in atoms}
        kept["U"] = scrub_path(kept.get("U") or "")
        return kept


def register(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if _SCRUBBER not in logger.filters:
        logger.addFilter(_SCRUBBER)
