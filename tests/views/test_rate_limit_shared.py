"""With REDIS_URL set, login limits hold across gunicorn worker processes, not per worker."""

import re
import uuid

import pytest
import requests

from tests.builders import make_staff
from tests.databases import require_redis
from tests.servers import gunicorn

pytestmark = pytest.mark.slow  # starts gunicorn


def _failed_login(base: str, username: str) -> int:
    # A fresh browser each time, so requests spread over the workers.
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=5)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/auth/login",
        data={"username": username, "password": "wrong", "csrf_token": token},
        allow_redirects=False,
        timeout=5,
    )
    return response.status_code


def test_failures_spread_over_worker_processes_count_once(db, database_url, hall):
    redis_url = require_redis()
    username = f"admin-{uuid.uuid4().hex[:8]}"  # Redis keeps counters between runs
    make_staff(hall, "admin", username=username)
    db.session.commit()
    env = {
        "REDIS_URL": redis_url,
        "HALL_LOGIN_LIMIT_PER_ACCOUNT": "4 per 5 minutes",
        "HALL_LOGIN_LIMIT_PER_ADDRESS": "1000 per minute",
    }
    with gunicorn(database_url, workers=2, env=env) as base:
        statuses = [_failed_login(base, username) for _ in range(6)]
    assert statuses == [401, 401, 401, 401, 429, 429]
