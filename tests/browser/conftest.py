"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The live server is a second app on the same database, run in a thread with the
production settings that matter (CSRF on, SQLite writers serialized). The test builds
its data through the usual fixtures first; everything after that goes through the page.
"""

import shutil
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from hallapp import create_app
from tests.conftest import _test_config
from tests.databases import running_in_ci

# Generous waits: they only bound how long a broken page takes to fail. How fast screens
# update is measured by `make bench`, never asserted here (a busy CI machine is slow).
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        if running_in_ci():
            pytest.fail("CI=true but Debian's chromium is not installed", pytrace=False)
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The hall's tablets and PCs are set up in Simplified Chinese.
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def live_server(app, database_url):
    """Base URL of the hall served from a thread; stopped when the test ends."""
    served = create_app(
        _test_config(
            database_url,
            SERVER_NAME=None,
            WTF_CSRF_ENABLED=True,
            SQLITE_IMMEDIATE_TRANSACTIONS=True,
            # Chromium expires cookies by the machine's real clock, the server dates them by
            # the test's: a long kiosk session (the permanent-session lifetime) holds anyway.
            KIOSK_SESSION_LIFETIME=timedelta(days=3650),
        )
    )
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from hallapp.extensions import db

    db.session.commit()  # let the server see everything the test built
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        with served.app_context():
            db.engine.dispose()


@pytest.fixture
def page(page, live_server):
    """A page that may only talk to the live server: the hall's intranet has no internet."""
    outside: list[str] = []

    def only_local(route):
        url = route.request.url
        if url.startswith(live_server) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", only_local)
    page.set_default_timeout(WAIT_MS)
    yield page
    assert outside == [], f"the page tried to reach outside the hall: {outside}"


def serious_accessibility_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page as it is now."""
    if not AXE.exists():
        if running_in_ci():
            pytest.fail("axe-core is missing: run `npm ci`", pytrace=False)
        pytest.skip("axe-core is missing: run `npm ci`")
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def sign_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#auth-login button[type=submit]")
