"""No identity number or token reaches an access log (issue 14, item 5)."""

import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest

from hallapp import logs

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"


def test_gunicorn_logs_the_path_without_query_string_or_referrer():
    formats = re.findall(r"--access-logformat '([^']*)'", MAKEFILE.read_text())
    assert formats == [logs.ACCESS_LOG_FORMAT]
    assert "%(U)s" in logs.ACCESS_LOG_FORMAT
    for leaky in ("%(r)s", "%(q)s", "%(f)s", "%({"):
        assert leaky not in logs.ACCESS_LOG_FORMAT


def test_werkzeug_request_lines_lose_their_query_string(app, caplog):
    logger = logging.getLogger("werkzeug")
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logger.info(
            '127.0.0.1 - - [01/Dec/2026 10:00:00] "%s" %s %s',
            "GET /desk/search?q=11010519491231002X HTTP/1.1",
            200,
            "-",
        )
        logger.info('"POST /kiosk/demo/setup?token=hall_secret HTTP/1.1" 303 -')
    text = caplog.text
    assert "11010519491231002X" not in text and "hall_secret" not in text
    assert '"GET /desk/search?… HTTP/1.1" 200 -' in text


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/t/29HNzt-X-2s9fYW_dfbgeg", "/t/…"),
        ("/rate/lUVIZco4NWHijSaHGICxIw", "/rate/…"),
        ("/suggest/demo/K7QW2M9P", "/suggest/demo/…"),
        ("/kiosk/demo/tickets/7hzXqcNkDT42EPPynKyy9Q", "/kiosk/demo/tickets/…"),
        ("/said-and-done/demo", "/said-and-done/demo"),
        ("/desk/appointments", "/desk/appointments"),
        ("/queue/counters/12/next", "/queue/counters/12/next"),
        ("/static/vendor/htmx-2.0.11.min.js", "/static/vendor/htmx-2.0.11.min.js"),
    ],
)
def test_keys_in_paths_are_not_logged_but_route_words_are(path, logged):
    assert logs.scrub_path(path) == logged


def test_gunicorns_access_logger_scrubs_keys_and_query_strings():
    from types import SimpleNamespace

    from gunicorn.config import Config

    logger = logs.AccessLogger(Config())
    request = SimpleNamespace(
        method="GET",
        path="/t/29HNzt-X-2s9fYW_dfbgeg",
        query="q=11010519491231002X",
        uri="/t/29HNzt-X-2s9fYW_dfbgeg?q=11010519491231002X",
        version=(1, 1),
        headers=[("REFERER", "http://hall/desk/search?q=11010519491231002X")],
    )
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    environ = {
        "REMOTE_ADDR": "10.0.0.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": request.uri,
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "http://hall/desk/search?q=11010519491231002X",
    }
    atoms = logger.atoms(response, request, environ, timedelta(seconds=0.01))
    line = logs.ACCESS_LOG_FORMAT % atoms
    assert "11010519491231002X" not in str(atoms) and "29HNzt" not in str(atoms)
    assert '"GET /t/… HTTP/1.1" 200' in line
