"""The queue's rules: issuing tickets, calling them to counters, and every step after.

Each step is one use case in one transaction: lock what it changes, check the rule, change
the rows, write a TicketEvent, bump the hall's live version (last, see services/live.py)
and commit once. A refused step rolls back and raises a HallError; nothing has changed.

Concurrency. On PostgreSQL, issuing locks only the service day's counter row, as late
as it can (numbers.take_number, one statement); calling locks the counter row, then
takes the next waiting ticket with FOR UPDATE SKIP LOCKED, so two counters never get the
same ticket and never wait on each other. On SQLite every writing transaction is BEGIN
IMMEDIATE (hallapp/sqlite.py), so steps run one after another. The unique constraint
(hall, service, day, number) is the last guard on numbering.

Callers use the package as one module (`queue.call_next(...)`); the modules are:
issuing, calling (who is called next), serving (the steps at the counter), moving
(parking, transfers), counters, reading (waits and boards), steps (the state machine).
"""

from .at_counter import AtCounter, ticket_at_counter
from .calling import (
    call_next,
    counter_service_ids,
    current_ticket,
    current_ticket_query,
    next_waiting_ticket,
    position,
    waiting_tickets,
)
from .common import hall_zone, service_day_of, ticket_for_step
from .counters import parked_tickets, recoverable_no_shows, set_counter_state, sign_in_to_counter
from .errors import (
    CounterBusy,
    CounterNotOpen,
    CounterTakenMidService,
    DailyLimitReached,
    HallClosedToday,
    IllegalStep,
    NotAtThisCounter,
    NoTicketsWaiting,
    OutsideOpeningHours,
    RecoveryWindowPassed,
    ServiceInactive,
    UnknownService,
    UnknownTicket,
)
from .issuing import (
    get_service,
    get_ticket_by_public_id,
    issue_ticket,
    ticket_by_idempotency_key,
    tracking_path,
)
from .moving import park, transfer, unpark
from .reading import display_board, estimate_ticket_wait, ticket_estimate, waiting_list
from .serving import cancel, finish, mark_no_show, recall, record_walkout, recover_missed, start
from .steps import AT_COUNTER, STATUS_LABELS, STEPS, allowed_steps, counter_steps

__all__ = [
    "AT_COUNTER",
    "AtCounter",
    "ticket_at_counter",
    "STEPS",
    "allowed_steps",
    "counter_steps",
    "STATUS_LABELS",
    "CounterBusy",
    "CounterNotOpen",
    "CounterTakenMidService",
    "DailyLimitReached",
    "HallClosedToday",
    "IllegalStep",
    "NoTicketsWaiting",
    "NotAtThisCounter",
    "OutsideOpeningHours",
    "RecoveryWindowPassed",
    "ServiceInactive",
    "UnknownService",
    "UnknownTicket",
    "call_next",
    "cancel",
    "counter_service_ids",
    "current_ticket",
    "current_ticket_query",
    "display_board",
    "estimate_ticket_wait",
    "finish",
    "get_service",
    "get_ticket_by_public_id",
    "hall_zone",
    "issue_ticket",
    "mark_no_show",
    "next_waiting_ticket",
    "park",
    "parked_tickets",
    "position",
    "recall",
    "record_walkout",
    "recover_missed",
    "recoverable_no_shows",
    "service_day_of",
    "set_counter_state",
    "sign_in_to_counter",
    "start",
    "ticket_by_idempotency_key",
    "ticket_estimate",
    "ticket_for_step",
    "tracking_path",
    "transfer",
    "unpark",
    "waiting_list",
    "waiting_tickets",
]
