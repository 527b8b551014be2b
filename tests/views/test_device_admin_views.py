"""Devices and the text-message outbox, managed from the admin screens."""

from datetime import timedelta

from sqlalchemy import func, select

from hallapp.models import AuditEntry, DeviceToken, utcnow
from hallapp.models.notifications import OutboxMessage
from hallapp.services import devices, notifications
from tests.clock import beijing
from tests.public_builders import TEN_AM, call, issue, open_counter

HX = {"HX-Request": "true"}


def _audit(db, action):
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def test_a_new_kiosk_token_is_shown_once_with_its_setup_link_and_qr_code(login_as, db):
    admin = login_as("admin")
    response = admin.post(
        "/admin/devices?hall=demo",
        headers=HX,
        data={"new-kind": "kiosk", "new-label": "Entrance, left"},
    )
    assert response.status_code == 200
    device = db.session.scalar(select(DeviceToken))
    token = response.text.split('id="admin-device-token">')[1].split("<")[0]
    assert token.startswith("hall_") and devices.authenticate(token, now=utcnow()).id == device.id
    assert f"http://hall.test/kiosk/demo#token={token}" in response.text
    assert 'src="data:image/svg+xml' in response.text
    assert 'hx-swap-oob="beforeend:#admin-device-rows"' in response.text
    assert _audit(db, "devices.token.create") == 1
    listing = admin.get("/admin/devices?hall=demo").text
    assert "Entrance, left" in listing and token not in listing  # never shown again


def test_the_setup_link_opens_the_kiosk_on_that_browser(login_as, client, db):
    admin = login_as("admin")
    response = admin.post("/admin/devices", headers=HX, data={"new-kind": "kiosk"})
    link = response.text.split('id="admin-device-setup-link" href="')[1].split('"')[0]
    address, token = link.split("#token=")
    # What the kiosk's browser does with the link: the page's script posts the token after
    # the # to the set-up form (the address itself carries none).
    assert client.get(address.replace("http://hall.test", "")).status_code == 401
    opened = client.post("/kiosk/demo/setup", data={"token": token})
    assert opened.status_code == 303
    assert client.get("/kiosk/demo").status_code == 200


def test_a_counter_pad_needs_a_counter_of_the_hall(login_as, db):
    admin = login_as("admin")
    missing = admin.post("/admin/devices", headers=HX, data={"new-kind": "counter"})
    assert missing.status_code == 422 and "窗口设备需要指定窗口号。" in missing.text
    unknown = admin.post(
        "/admin/devices", headers=HX, data={"new-kind": "counter", "new-counter": "77"}
    )
    assert unknown.status_code == 422
    made = admin.post(
        "/admin/devices", headers=HX, data={"new-kind": "counter", "new-counter": "2"}
    )
    assert made.status_code == 200 and "?token=" not in made.text
    assert db.session.scalar(select(func.count(DeviceToken.id))) == 1


def test_revoking_a_device_stops_its_token_at_once_and_is_audited(login_as, db, hall):
    device, raw = devices.create_device_token(hall, "display", now=utcnow())
    admin = login_as("admin")
    response = admin.post(f"/admin/devices/{device.id}/revoke", headers=HX)
    assert response.status_code == 200 and "已吊销" in response.text
    api = admin.application.test_client().get(
        "/api/v1/display", headers={"Authorization": f"Bearer {raw}"}
    )
    assert api.status_code == 401
    assert _audit(db, "devices.token.revoke") == 1


def test_the_list_shows_kind_hall_counter_and_last_seen(login_as, db, hall):
    device, raw = devices.create_device_token(hall, "counter", counter_number=2, now=utcnow())
    client = login_as("admin").application.test_client()
    client.get("/api/v1/display", headers={"Authorization": f"Bearer {raw}"})
    db.session.expire_all()
    assert db.session.get(DeviceToken, device.id).last_seen_at is not None
    page = login_as("admin").get("/admin/devices").text
    row = page.split(f'id="device-{device.id}"')[1].split("</tr>")[0]
    assert "窗口呼叫器" in row and "demo" in row and "<td>2</td>" in row and "从未" not in row


def test_admin_home_warns_of_a_kiosk_unseen_for_two_minutes_in_opening_hours(
    login_as, db, hall, clock
):
    clock.move_to(beijing(2026, 12, 1, 10, 0), tick=False)
    kiosk, _raw = devices.create_device_token(hall, "kiosk", label="Door kiosk", now=utcnow())
    board, _raw = devices.create_device_token(hall, "display", label="Board", now=utcnow())
    admin = login_as("admin")
    assert "admin-device-warnings" not in admin.get("/admin/").text

    clock.move_to(beijing(2026, 12, 1, 10, 3), tick=False)
    devices.mark_seen(board, now=utcnow())
    home = admin.get("/admin/").text
    assert "admin-device-warnings" in home and "Door kiosk" in home and "Board" not in home

    clock.move_to(beijing(2026, 12, 1, 20, 0), tick=False)  # closed: quiet
    assert "admin-device-warnings" not in admin.get("/admin/").text


def _failed_message(db, hall):
    open_counter(hall, 1)
    ticket = issue(hall, "A", now=TEN_AM)
    notifications.subscribe(ticket, "13800138000", now=TEN_AM)
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    message = db.session.scalar(select(OutboxMessage))
    message.failed_at = TEN_AM
    message.last_error = "PermanentFailure: MOBILE_NUMBER_ILLEGAL"
    db.session.commit()
    return message


def test_outbox_lists_failed_messages_and_retry_puts_one_back_in_line(login_as, db, hall):
    message = _failed_message(db, hall)
    admin = login_as("admin")
    failed = admin.get("/admin/outbox?status=failed")
    assert failed.status_code == 200
    assert "138****8000" in failed.text and "13800138000" not in failed.text
    assert "MOBILE_NUMBER_ILLEGAL" in failed.text
    retried = admin.post(f"/admin/outbox/{message.id}/retry", headers=HX)
    assert retried.status_code == 200 and "待发送" in retried.text
    assert f'id="outbox-{message.id}"' in admin.get("/admin/outbox").text
    assert _audit(db, "notifications.message.retry") == 1


def test_a_message_written_to_the_log_is_never_called_sent(login_as, db, hall, app, tmp_path):
    _failed_message(db, hall)
    message = db.session.scalar(select(OutboxMessage))
    message.failed_at = None
    db.session.commit()
    app.config["NOTIFY_LOG_PATH"] = str(tmp_path / "sms.log")
    with app.app_context():
        notifications.send_pending(TEN_AM + timedelta(minutes=1))
    page = login_as("admin").get("/admin/outbox?status=sent&lang=en").text
    assert "Written to the log" in page and "Nobody was texted" in page
    assert '<span class="status status--ok">Sent' not in page


def test_a_sent_message_cannot_be_retried(login_as, db, hall):
    message = _failed_message(db, hall)
    message.failed_at = None
    message.sent_at = TEN_AM
    message.outcome = "sent"
    db.session.commit()
    response = login_as("admin").post(f"/admin/outbox/{message.id}/retry", headers=HX)
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_devices_and_outbox_are_for_administrators_only(login_as):
    supervisor = login_as("supervisor")
    assert supervisor.get("/admin/devices").status_code == 403
    assert supervisor.get("/admin/outbox").status_code == 403
