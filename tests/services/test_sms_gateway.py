"""The SMS provider gateway against a fake provider this test starts on a local port."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from hallapp.models.notifications import OutboxMessage
from hallapp.services import notifications
from hallapp.services.notifications import Delivery, PermanentFailure, Text
from hallapp.services.sms import HttpSmsGateway, ProviderError
from tests.public_builders import TEN_AM, call, issue, open_counter


class FakeProvider:
    """Answers each POST with the next scripted (status, body); "hang" waits until released."""

    def __init__(self):
        self.script: list = []
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.received.append(json.loads(self.rfile.read(length)))
                provider.headers.append(dict(self.headers))
                status, body = provider.script.pop(0) if provider.script else (200, None)
                if status == "hang":
                    provider.release.wait(10)
                    return
                payload = json.dumps(body or {"Code": "OK", "BizId": "biz-1"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    with FakeProvider() as fake:
        yield fake


def gateway_for(provider, **overrides) -> HttpSmsGateway:
    config = {
        "SMS_API_URL": provider.url,
        "SMS_ACCESS_KEY": "key-123",
        "SMS_SIGN_NAME": "出入境服务大厅",
        "SMS_TEMPLATES": {"ticket_called": "SMS_0001", "ticket_ahead": "SMS_0002"},
        "SMS_TIMEOUT": 0.5,
        **overrides,
    }
    return HttpSmsGateway(config)


CALLED = Text("13800138000", "ticket_called", {"label": "A005", "counter": 3}, "…")


def test_a_text_goes_out_as_template_code_sign_name_and_parameters(provider):
    delivery = gateway_for(provider).send(CALLED)

    assert delivery == Delivery("sent", "biz-1")
    [payload] = provider.received
    assert payload == {
        "PhoneNumbers": "13800138000",
        "SignName": "出入境服务大厅",
        "TemplateCode": "SMS_0001",
        "TemplateParam": '{"counter": 3, "label": "A005"}',
    }
    assert provider.headers[0]["Authorization"] == "Bearer key-123"


def test_templates_may_come_from_the_environment_as_json(provider):
    gateway = gateway_for(provider, SMS_TEMPLATES='{"ticket_called": "SMS_9"}')
    gateway.send(CALLED)
    assert provider.received[0]["TemplateCode"] == "SMS_9"


def test_a_provider_that_does_not_answer_in_time_is_a_retry(provider):
    provider.script = [("hang", None)]
    with pytest.raises(ProviderError, match="no answer within 0.5 s"):
        gateway_for(provider).send(CALLED)


def test_an_unreachable_provider_is_a_retry():
    gateway = HttpSmsGateway(
        {"SMS_API_URL": "http://127.0.0.1:1/send", "SMS_SIGN_NAME": "x", "SMS_TEMPLATES": {}}
    )
    gateway.templates = {"ticket_called": "SMS_1"}
    with pytest.raises(ProviderError, match="cannot reach"):
        gateway.send(CALLED)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, {"Code": "MOBILE_NUMBER_ILLEGAL", "Message": "bad number"}, PermanentFailure),
        (400, {"Code": "INVALID_TEMPLATE", "Message": "unknown"}, PermanentFailure),
        (200, {"Code": "THROTTLED", "Message": "slow down"}, ProviderError),
        (429, {"Code": "THROTTLED"}, ProviderError),
        (503, {}, ProviderError),
        (401, {"Code": "UNAUTHORIZED"}, ProviderError),
    ],
)
def test_provider_error_codes_are_permanent_or_retried(provider, status, body, error):
    provider.script = [(status, body)]
    with pytest.raises(error):
        gateway_for(provider).send(CALLED)


def test_a_template_the_provider_does_not_know_is_never_sent(provider):
    with pytest.raises(PermanentFailure, match="no provider template"):
        gateway_for(provider, SMS_TEMPLATES={}).send(CALLED)
    assert provider.received == []


def test_the_outbox_records_the_provider_result_per_message(db, hall, provider):
    open_counter(hall, 1)
    tickets = [issue(hall, "A", now=TEN_AM + timedelta(seconds=i)) for i in range(3)]
    notifications.subscribe(tickets[0], "13800138000", now=TEN_AM)
    notifications.subscribe(tickets[2], "13900139000", now=TEN_AM)
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)  # A001 called; A003 has one ahead
    provider.script = [
        (200, {"Code": "OK", "BizId": "biz-77"}),
        (200, {"Code": "MOBILE_NUMBER_ILLEGAL", "Message": "bad"}),
    ]

    counts = notifications.send_pending(TEN_AM, gateway_for(provider))

    assert counts == {"sent": 1, "logged": 0, "retry": 0, "failed": 1}
    db.session.expire_all()
    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    results = {(m.status, m.provider_ref, (m.last_error or "")[:21]) for m in rows}
    assert results == {("sent", "biz-77", ""), ("failed", None, "PermanentFailure: MOB")}
    sent = {p["TemplateCode"]: json.loads(p["TemplateParam"]) for p in provider.received}
    assert sent == {
        "SMS_0001": {"counter": 1, "label": "A001"},
        "SMS_0002": {"label": "A003", "n": 1},
    }
