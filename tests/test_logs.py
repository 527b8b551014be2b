"""No identity number or token reaches an access log (issue 14, item 5)."""

import logging
import re
from pathlib import Path

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
