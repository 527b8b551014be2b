"""The ticket's state machine: one table, and every step function and document keeps to it."""

import pytest

from hallapp.blueprints.api.openapi import openapi_document
from hallapp.models import AT_COUNTER_STATUSES, OPEN_STATUSES, TICKET_STATUSES
from hallapp.services import queue
from tests.builders import make_ticket, open_counter
from tests.services.queue_times import NINE, minutes, steps_of

# The machine as the hall describes it (docs/queue.md, "Steps"); the table must say the same.
EXPECTED = {
    "waiting": ("call", "walkout", "park", "transfer", "cancel"),
    "called": ("recall", "start", "no_show", "park", "transfer", "cancel"),
    "serving": ("finish", "park", "transfer"),
    "parked": ("walkout", "unpark", "transfer", "cancel"),
    "no_show": ("recover",),
    "done": (),
    "transferred": (),
    "cancelled": (),
    "walked_out": (),
}

# Each step a ticket can be asked to take, as its service function.
STEP_FUNCTIONS = {
    "recall": lambda ticket, counter, now: queue.recall(ticket, now=now, counter=counter),
    "start": lambda ticket, counter, now: queue.start(ticket, now=now, counter=counter),
    "finish": lambda ticket, counter, now: queue.finish(ticket, now=now, counter=counter),
    "no_show": lambda ticket, counter, now: queue.mark_no_show(ticket, now=now, counter=counter),
    "recover": lambda ticket, counter, now: queue.recover_missed(ticket, now=now),
    "walkout": lambda ticket, counter, now: queue.record_walkout(ticket, now=now),
    "park": lambda ticket, counter, now: queue.park(ticket, now=now, counter=counter),
    "unpark": lambda ticket, counter, now: queue.unpark(ticket, now=now),
    "transfer": lambda ticket, counter, now: queue.transfer(ticket, "B", now=now, counter=counter),
    "cancel": lambda ticket, counter, now: queue.cancel(ticket, now=now, counter=counter),
}


def ticket_in(status, hall, counter):
    """A ticket brought to `status` through the service functions themselves."""
    ticket = make_ticket(hall, "A", now=NINE)
    if status in ("called", "serving", "done", "no_show"):
        ticket = queue.call_next(counter, now=minutes(1))
    if status in ("serving", "done"):
        queue.start(ticket, now=minutes(2), counter=counter)
    steps = {
        "done": lambda: queue.finish(ticket, now=minutes(3), counter=counter),
        "no_show": lambda: queue.mark_no_show(ticket, now=minutes(3), counter=counter),
        "parked": lambda: queue.park(ticket, now=minutes(3)),
        "transferred": lambda: queue.transfer(ticket, "B", now=minutes(3)),
        "cancelled": lambda: queue.cancel(ticket, now=minutes(3)),
        "walked_out": lambda: queue.record_walkout(ticket, now=minutes(3)),
    }
    if status in steps:
        steps[status]()
    assert ticket.status == status
    return ticket


def test_the_table_is_the_hall_s_state_machine(db, hall):
    ticket = make_ticket(hall, "A", now=NINE)
    for status, steps in EXPECTED.items():
        ticket.status = status
        assert queue.allowed_steps(ticket) == steps, status
    db.session.rollback()


def test_the_table_names_only_known_statuses_and_reaches_every_one():
    assert set(EXPECTED) == set(TICKET_STATUSES) == set(queue.STATUS_LABELS)
    reached, frontier = set(), {"waiting"}
    assert queue.STEPS["issue"].target == "waiting"
    while frontier:
        status = frontier.pop()
        reached.add(status)
        for step in queue.STEPS.values():
            assert step.target in TICKET_STATUSES and set(step.sources) <= set(TICKET_STATUSES)
            if status in step.sources and step.target not in reached:
                frontier.add(step.target)
    assert reached == set(TICKET_STATUSES)


def test_open_statuses_are_those_with_a_step_out_except_the_no_show():
    with_steps = {status for status, steps in EXPECTED.items() if steps}
    assert set(OPEN_STATUSES) == with_steps - {"no_show"}
    assert set(AT_COUNTER_STATUSES) == {"called", "serving"}


def test_each_step_writes_the_event_the_table_names(db, hall):
    counter = open_counter(hall, 1)
    make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter, now=minutes(1))
    queue.recall(ticket, now=minutes(2), counter=counter)
    queue.park(ticket, now=minutes(3), counter=counter)
    queue.unpark(ticket, now=minutes(4))
    queue.record_walkout(ticket, now=minutes(5))
    taken = ("issue", "call", "recall", "park", "unpark", "walkout")
    assert steps_of(db, ticket) == [queue.STEPS[step].event for step in taken]


@pytest.mark.parametrize("status", sorted(EXPECTED))
def test_every_step_function_refuses_exactly_what_the_table_refuses(db, hall, status):
    counter = open_counter(hall, 1)
    for step, function in STEP_FUNCTIONS.items():
        ticket = ticket_in(status, hall, counter)
        if step in EXPECTED[status]:
            function(ticket, counter, minutes(4))
        else:
            with pytest.raises(queue.IllegalStep):
                function(ticket, counter, minutes(4))
            assert ticket.status == status
        # The next try starts at a free counter.
        held = queue.current_ticket(counter)
        if held is not None:
            queue.park(held, now=minutes(5), counter=counter)


def test_the_console_offers_a_call_only_at_an_open_free_counter(db, hall):
    counter = open_counter(hall, 1)
    assert queue.counter_steps(counter, None) == {"call"}
    queue.set_counter_state(counter, "paused", now=NINE)
    assert queue.counter_steps(counter, None) == set()
    queue.set_counter_state(counter, "open", now=NINE)
    make_ticket(hall, "A", now=NINE)
    ticket = queue.call_next(counter, now=minutes(1))
    assert queue.counter_steps(counter, ticket) == set(EXPECTED["called"])


def test_the_api_document_lists_the_models_statuses():
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["Ticket"]["properties"]["status"]["enum"] == list(TICKET_STATUSES)
    calls = schemas["Display"]["properties"]["calls"]["items"]["properties"]
    assert calls["status"]["enum"] == list(AT_COUNTER_STATUSES)
