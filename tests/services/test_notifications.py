from datetime import timedelta

import pytest
from sqlalchemy import select

from hallapp.models.notifications import OutboxMessage
from hallapp.services import notifications
from hallapp.services.errors import InvalidValue
from hallapp.services.notifications import Delivery
from tests.public_builders import TEN_AM, call, issue, open_counter


class Recorder:
    def __init__(self, failures: int = 0):
        self.sent: list[tuple[str, str]] = []
        self.failures = failures

    def send(self, text):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append((text.phone, text.body))
        return Delivery("sent", f"ref-{len(self.sent)}")


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
        {"sent": 0, "logged": 0, "retry": 1, "failed": 0},
        {"sent": 0, "logged": 0, "retry": 0, "failed": 0},
        {"sent": 1, "logged": 0, "retry": 0, "failed": 0},
    )
    [message] = messages(db)
    assert message.attempts == 2 and message.sent_at is not None
    assert (message.status, message.provider_ref) == ("sent", "ref-1")
    assert message.template == "ticket_ahead"
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
    assert notifications.send_pending(moment, gateway) == {
        "sent": 0,
        "logged": 0,
        "retry": 0,
        "failed": 0,
    }


def test_log_file_gateway_writes_a_masked_number(tmp_path):
    gateway = notifications.LogFileGateway(tmp_path / "sms.log")
    text = notifications.Text("13800138000", "ticket_called", {}, "请现在到 5 号窗口办理")
    assert gateway.send(text) == Delivery("logged")
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

    assert "sent 0, written to the log 1" in result.output
    assert "A005" in (tmp_path / "out.log").read_text(encoding="utf-8")
    [message] = messages(db)
    assert message.status == "logged"  # nobody was texted: never recorded as sent


def test_production_has_no_log_gateway(app, db, line, runner):
    hall, tickets = line
    app.config["ENV"] = "production"
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)

    result = runner.invoke(args=["notify", "send-pending"])

    assert result.exit_code != 0
    assert "HALL_NOTIFY_GATEWAY" in result.output
    assert messages(db)[0].status == "pending"


class CrashOnSecond(Recorder):
    def send(self, text):
        if self.sent:
            raise SystemExit("the worker was killed")
        return super().send(text)


def test_each_message_is_committed_on_its_own_so_a_crash_resends_nothing(db, line):
    hall, tickets = line
    from hallapp.services import queue

    for ticket in tickets[:4]:
        ticket.status = "done"
    db.session.commit()
    called = call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    queue.recall(called, now=TEN_AM + timedelta(seconds=1))
    notifications.enqueue_due(now=TEN_AM + timedelta(seconds=1))
    assert len(messages(db)) == 2

    with pytest.raises(SystemExit):
        notifications.send_pending(TEN_AM + timedelta(seconds=2), CrashOnSecond())
    db.session.rollback()

    statuses = [m.status for m in messages(db)]
    assert statuses == ["sent", "pending"]
    again = Recorder()
    notifications.send_pending(TEN_AM + timedelta(seconds=3), again)
    assert len(again.sent) == 1


def test_an_administrator_retries_a_failed_message(db, line):
    hall, tickets = line
    call(hall, 1, now=TEN_AM)
    notifications.enqueue_due(now=TEN_AM)
    [message] = messages(db)
    message.failed_at = TEN_AM
    message.attempts = notifications.MAX_ATTEMPTS
    db.session.commit()
    assert [m.id for m in notifications.list_outbox("failed")] == [message.id]
    assert notifications.outbox_counts() == {"pending": 0, "sent": 0, "failed": 1}

    notifications.retry_message(message.id, now=TEN_AM + timedelta(hours=1))

    assert [m.id for m in notifications.list_outbox("pending")] == [message.id]
    gateway = Recorder()
    notifications.send_pending(TEN_AM + timedelta(hours=1), gateway)
    assert messages(db)[0].status == "sent"
    with pytest.raises(notifications.CannotRetry):
        notifications.retry_message(message.id, now=TEN_AM + timedelta(hours=2))
