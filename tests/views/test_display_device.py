"""A display board is a device: set up from its link, seen through its polls, warned of."""

import re
from datetime import timedelta

from sqlalchemy import event

from hallapp.models import DeviceToken, utcnow
from hallapp.services import devices
from tests.clock import beijing

HX = {"HX-Request": "true"}


def _board(hall, db, label="Hall board"):
    device, raw = devices.create_device_token(hall, "display", label=label, now=utcnow())
    return device.id, raw


def _last_seen(db, device_id):
    db.session.expire_all()
    return db.session.get(DeviceToken, device_id).last_seen_at


def _poll_path(page: str) -> str:
    return re.search(r'hx-get="([^"]*since=[^"]*)"', page).group(1).replace("&amp;", "&")


def _device_writes(db):
    writes: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if "device_token" in statement:
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return writes, lambda: event.remove(db.engine, "before_cursor_execute", record)


def test_the_admin_gives_a_display_a_setup_link_with_its_token_after_the_hash(login_as, db):
    admin = login_as("admin")
    response = admin.post("/admin/devices", headers=HX, data={"new-kind": "display"})
    token = response.text.split('id="admin-device-token">')[1].split("<")[0]
    assert f"http://hall.test/display/demo#token={token}" in response.text
    assert "显示屏设置地址的二维码" in response.text


def test_a_board_set_up_with_its_token_is_seen_and_polls_write_at_most_once_a_minute(
    client, hall, db, clock
):
    clock.move_to(beijing(2026, 12, 1, 10, 0), tick=False)
    device_id, raw = _board(hall, db)
    page = client.get("/display/demo?room=main")
    assert 'id="display-setup-form"' in page.text  # not yet a device: the script posts
    opened = client.post("/display/demo/setup?room=main&sound=on", data={"token": raw})
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith("/display/demo?room=main&sound=on")
    assert _last_seen(db, device_id) == utcnow()

    page = client.get("/display/demo?room=main").text
    assert 'id="display-setup-form"' not in page
    path = _poll_path(page)
    writes, stop = _device_writes(db)
    try:
        for seconds in range(1, 60, 5):  # a minute of polls: not one device statement
            clock.move_to(beijing(2026, 12, 1, 10, 0) + timedelta(seconds=seconds), tick=False)
            assert client.get(path, headers=HX).status_code in (200, 204)
        assert writes == []
        clock.move_to(beijing(2026, 12, 1, 10, 1) + timedelta(seconds=5), tick=False)
        client.get(path, headers=HX)
        assert any(w.lstrip().upper().startswith("UPDATE") for w in writes)
    finally:
        stop()
    assert _last_seen(db, device_id) == utcnow()


def test_a_token_of_another_kind_or_revoked_is_refused_and_the_board_shows_on(
    client, hall, db, clock
):
    clock.move_to(beijing(2026, 12, 1, 10, 0), tick=False)
    _kiosk, kiosk_raw = devices.create_device_token(hall, "kiosk", now=utcnow())
    refused = client.post("/display/demo/setup", data={"token": kiosk_raw})
    assert refused.status_code == 422
    assert "data-setup-refused" in refused.text and 'id="public-board"' in refused.text

    device_id, raw = _board(hall, db)
    assert client.post("/display/demo/setup", data={"token": raw}).status_code == 303
    devices.revoke_device_token(device_id, now=utcnow())
    seen = _last_seen(db, device_id)
    clock.move_to(beijing(2026, 12, 1, 10, 2), tick=False)
    page = client.get("/display/demo")
    assert page.status_code == 200 and 'id="display-setup-form"' in page.text
    assert _last_seen(db, device_id) == seen


def test_admin_home_warns_of_a_board_that_stopped_polling_in_opening_hours(
    login_as, client, hall, db, clock
):
    clock.move_to(beijing(2026, 12, 1, 9, 58), tick=False)
    _device_id, raw = _board(hall, db, label="Board by the door")
    client.post("/display/demo/setup", data={"token": raw})
    admin = login_as("admin")

    clock.move_to(beijing(2026, 12, 1, 9, 59) + timedelta(seconds=30), tick=False)
    client.get("/display/demo")  # polling: seen again (more than a minute since)
    clock.move_to(beijing(2026, 12, 1, 10, 1), tick=False)
    assert "admin-device-warnings" not in admin.get("/admin/").text
    devices_page = admin.get("/admin/devices").text
    assert "09:59" in devices_page.split("Board by the door")[1].split("</tr>")[0]

    clock.move_to(beijing(2026, 12, 1, 10, 2), tick=False)  # the board went dark at 09:59:30
    home = admin.get("/admin/").text
    assert "admin-device-warnings" in home and "Board by the door" in home

    clock.move_to(beijing(2026, 12, 1, 18, 0), tick=False)  # the hall is closed: quiet
    assert "admin-device-warnings" not in admin.get("/admin/").text
