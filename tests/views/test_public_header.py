"""Citizens' pages speak to citizens: their own header (no way into the staff login), the
three public languages, and the hall's and services' names in Traditional Chinese and
English where the administrator gave them."""

import re

import pytest

from tests.feedback_builders import make_suggestion
from tests.public_builders import KIOSK_TOKEN, make_kiosk_token, open_all_day

HX = {"HX-Request": "true"}


def public_pages(hall):
    suggestion = make_suggestion(hall)
    return [
        "/suggest/demo",
        "/suggest/demo/track",
        f"/suggest/demo/{suggestion.tracking_code}",
        "/said-and-done/demo",
    ]


def test_citizens_pages_have_the_public_header_with_traditional_chinese(client, hall):
    for path in public_pages(hall):
        page = client.get(path).text

        assert "public-header" in page, path
        assert not re.search(r'<a[^>]*class="brand"', page), path
        assert "/auth/login" not in page, path
        assert 'value="zh_Hant_HK"' in page and "繁體中文" in page, path


def test_the_admin_gives_traditional_names_and_citizens_read_them(login_as, client, hall, db):
    admin = login_as("admin")
    service = next(s for s in hall.services if s.code == "A")
    saved_service = admin.post(
        f"/admin/services/{service.id}",
        headers=HX,
        data={
            f"service-{service.id}-code": "A",
            f"service-{service.id}-name_zh": "普通护照",
            f"service-{service.id}-name_en": "Passport",
            f"service-{service.id}-name_hant": "普通護照",
            f"service-{service.id}-room": "main",
            f"service-{service.id}-active": "y",
        },
    )
    saved_hall = admin.post(
        f"/admin/halls/{hall.id}",
        headers=HX,
        data={
            f"hall-{hall.id}-code": "demo",
            f"hall-{hall.id}-name_zh": "测试大厅",
            f"hall-{hall.id}-name_en": "Test hall",
            f"hall-{hall.id}-name_hant": "測試大廳",
            f"hall-{hall.id}-opens_at": "00:00",
            f"hall-{hall.id}-closes_at": "23:59",
            f"hall-{hall.id}-open_weekdays": list("1234567"),
            f"hall-{hall.id}-target_minutes": "10",
        },
    )
    assert saved_service.status_code == 200 and "普通護照" in saved_service.text
    assert saved_hall.status_code == 200 and "測試大廳" in saved_hall.text
    open_all_day(hall)
    make_kiosk_token(hall)
    client.post("/kiosk/demo/setup", data={"token": KIOSK_TOKEN})

    traditional = client.get("/kiosk/demo?lang=zh_Hant_HK").text
    english = client.get("/kiosk/demo?lang=en").text
    simplified = client.get("/suggest/demo?lang=zh_Hans_CN").text

    assert "普通護照" in traditional and "測試大廳" in traditional
    assert "Passport" in english and "Test hall" in english
    assert "测试大厅" in simplified and "測試大廳" not in simplified


@pytest.mark.parametrize("lang", ["zh_Hant_HK", "en"])
def test_without_a_traditional_name_the_chinese_one_shows(client, hall, lang):
    page = client.get(f"/suggest/demo?lang={lang}").text
    assert ("测试大厅" if lang == "zh_Hant_HK" else hall.name_en) in page
