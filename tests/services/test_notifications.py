from datetime import timedelta

import pytest
from sqlalchemy import select

from hallapp.models.notifications import OutboxMessage
from hallapp.services import notifications
from hallapp.services.errors import InvalidValue
from tests.public_builders import TEN_AM, call, issue, open_counter


class Recorder:
    def __init__(self, failures: int = 0):
        self.sent: list[tuple[str, str]] = []
        self.failures = failures

    def send(self, phone, body):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append((phone, body))


def messages(db):
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def line(hall):
    """Four people waiting for A; the fourth left a phone number."""
    open_counter(hall, 1)
    tickets = [issue(hall, "A", now=TEN_AM + timedelta(seconds=i)) for i in range(5)]
    notifications.subscribe(tickets[4], "138 0013 8000", now=TEN_AM)
    return hall, tickets


def test_a_ticket_that_becomes_third_in_line_gets_one_message(db, line):
    hall, tickets = line
    notifications.enqueue_due(now=TEN_AM)
    assert messages(db) == []  # four ahead: too early

    call(hall, 1, now=TEN_AM + timedelta(minutes=1))
    notifications.enqueue_due(now=TEN_AM + timedelta(minutes=1))
    notifications.enqueue_due(now=TEN_AM + timedelta(minutes=1))

    [message] = messages(db)
    assert message.key == "ahead"
    assert "A005" in message.body and "3" in message.body


def test_a_call_sends_go_to_counter_and_a_recall_sends_it_again(db, line):
    from hallapp.services import queue

    hall, tickets = line
    for ticket in tickets[:4]:
        ticket.status = "done"
    db.session.commit()
    called = call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    queue.recall(called, now=TEN_AM + timedelta(minutes=1))
    notifications.enqueue_due(now=TEN_AM + timedelta(minutes=1))

    bodies = [m.body for m in messages(db)]
    assert bodies == [
        "号码 A005：请现在到 1 号窗口办理。",
        "号码 A005：请现在到 1 号窗口办理。",
    ]


def test_send_pending_retries_a_failed_send_later_and_then_sends_it(db, line):
    hall, tickets = line
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    gateway = Recorder(failures=1)

    first = notifications.send_pending(TEN_AM, gateway)
    too_soon = notifications.send_pending(TEN_AM + timedelta(seconds=10), gateway)
    later = notifications.send_pending(TEN_AM + timedelta(seconds=31), gateway)

    assert (first, too_soon, later) == (
        {"sent": 0, "retry": 1, "failed": 0},
        {"sent": 0, "retry": 0, "failed": 0},
        {"sent": 1, "retry": 0, "failed": 0},
    )
    [message] = messages(db)
    assert message.attempts == 2 and message.sent_at is not None
    assert gateway.sent[0][0] == "13800138000"


def test_a_message_is_given_up_after_the_last_attempt(db, line):
    hall, tickets = line
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    gateway = Recorder(failures=100)
    moment = TEN_AM
    for _ in range(notifications.MAX_ATTEMPTS):
        notifications.send_pending(moment, gateway)
        moment += timedelta(hours=1)

    [message] = messages(db)
    assert message.failed_at is not None
    assert "gateway down" in message.last_error
    assert notifications.send_pending(moment, gateway) == {"sent": 0, "retry": 0, "failed": 0}


def test_log_file_gateway_writes_a_masked_number(tmp_path):
    gateway = notifications.LogFileGateway(tmp_path / "sms.log")
    gateway.send("13800138000", "请现在到 5 号窗口办理")
    assert (tmp_path / "sms.log").read_text(
        encoding="utf-8"
    ) == "138****8000\t请现在到 5 号窗口办理\n"


def test_a_phone_number_must_be_digits(line):
    hall, tickets = line
    with pytest.raises(InvalidValue):
        notifications.subscribe(tickets[0], "call me", now=TEN_AM)


def test_purge_forgets_old_numbers_and_keeps_messages(db, line):
    hall, tickets = line
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)

    assert notifications.purge_phone_numbers(TEN_AM + timedelta(days=31)) == 1
    assert len(messages(db)) == 1
    assert messages(db)[0].subscription.phone is None


def test_the_send_command_sends_through_the_log_file(app, db, line, runner, tmp_path):
    hall, tickets = line
    app.config["NOTIFY_LOG_PATH"] = str(tmp_path / "out.log")
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)

    result = runner.invoke(args=["notify", "send-pending"])

    assert "sent 1" in result.output
    assert "A005" in (tmp_path / "out.log").read_text(encoding="utf-8")
