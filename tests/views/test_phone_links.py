"""Every link or QR code meant for a phone points at PUBLIC_BASE_URL (issue 13, item 14)."""

import re
from pathlib import Path

import pytest

from tests.feedback_builders import make_suggestion

PUBLIC = "https://hall.example.cn"


@pytest.fixture
def app_config():
    return {"PUBLIC_BASE_URL": PUBLIC + "/"}


def _qr_target(response) -> str:
    assert response.mimetype == "image/svg+xml"
    return re.search(r"<title>([^<]+)</title>", response.text).group(1)


def test_the_checklist_page_prints_and_encodes_the_public_address(client, hall):
    page = client.get("/desk/checklist/demo/A")
    assert page.status_code == 200
    assert f"{PUBLIC}/desk/checklist/demo/A" in page.text
    assert "http://localhost" not in page.text
    assert (
        _qr_target(client.get("/desk/checklist/demo/A/qr.svg")) == f"{PUBLIC}/desk/checklist/demo/A"
    )


def test_the_suggestion_qr_codes_point_phones_at_the_public_address(client, hall):
    assert _qr_target(client.get("/suggest/demo/qr.svg")) == f"{PUBLIC}/suggest/demo"
    suggestion = make_suggestion(hall)
    code = suggestion.tracking_code
    assert _qr_target(client.get(f"/suggest/demo/{code}/qr.svg")) == f"{PUBLIC}/suggest/demo/{code}"


def test_no_link_for_a_phone_is_built_from_the_requests_host():
    """The class of bug: an absolute URL built anywhere but the one helper ignores the setting."""
    root = Path(__file__).resolve().parents[2] / "hallapp"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "_external" in path.read_text(encoding="utf-8") and path.name != "phone_links.py"
    ]
    assert offenders == []
