"""Access logs hold no identity number and no token: never a query string, never a referrer.

Searches carry identity numbers in `?q=`, and a referrer repeats the page's address, so
the access log keeps the method, the path and the status only. gunicorn is told so by
ACCESS_LOG_FORMAT (the Makefile passes it); Werkzeug's development and test servers log
through the "werkzeug" logger, whose records this filter scrubs.
"""

import logging
import re

from flask import Flask

# gunicorn --access-logformat: %(U)s is the path without its query string; no %(f)s.
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'

_QUERY = re.compile(r"(\"?[A-Z]+ [^\s?\"]*)\?[^\s\"]*")


def scrub(line: str) -> str:
    """'GET /desk/search?q=110105... HTTP/1.1' -> 'GET /desk/search?… HTTP/1.1'."""
    return _QUERY.sub(r"\1?…", line)


class QueryStringScrubber(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        return True


_SCRUBBER = QueryStringScrubber()


def register(app: Flask) -> None:
    logger = logging.getLogger("werkzeug")
    if _SCRUBBER not in logger.filters:
        logger.addFilter(_SCRUBBER)
