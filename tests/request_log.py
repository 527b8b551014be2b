"""The request log's JSON lines, as operators read them, for tests that check them."""

import io
import json
import logging
from contextlib import contextmanager

from hallapp.observe import json_handler


@contextmanager
def request_log_lines(app):
    """The request log's lines written inside the block, with LOG_JSON on; parsed into the
    list this yields when the block ends."""
    stream = io.StringIO()
    handler = json_handler(stream)
    logger = logging.getLogger("hallapp.request")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    app.config["LOG_JSON"] = True
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        app.config["LOG_JSON"] = False
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())
