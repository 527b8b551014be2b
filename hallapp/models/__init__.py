"""All models; import from here so metadata is complete for migrations and tests."""

from .audit import AuditEntry
from .base import Base, UTCDateTime, utcnow
from .calendar import DAY_KINDS, CalendarDay
from .hall import COUNTER_STATES, ROOMS, Counter, CounterService, Hall, Service
from .notifications import NotificationSubscription, OutboxMessage
from .queue import (
    DEVICE_KINDS,
    OPEN_STATUSES,
    PRIORITY_CLASSES,
    PRIORITY_NEEDS,
    TICKET_SOURCES,
    TICKET_STATUSES,
    DeviceToken,
    HallVersion,
    Ticket,
    TicketEvent,
    Visit,
)
from .staff import ROLES, Staff, StaffRole

__all__ = [
    "DAY_KINDS",
    "DEVICE_KINDS",
    "OPEN_STATUSES",
    "PRIORITY_CLASSES",
    "PRIORITY_NEEDS",
    "TICKET_SOURCES",
    "TICKET_STATUSES",
    "DeviceToken",
    "NotificationSubscription",
    "OutboxMessage",
    "HallVersion",
    "Ticket",
    "TicketEvent",
    "Visit",
    "CalendarDay",
    "COUNTER_STATES",
    "ROLES",
    "ROOMS",
    "AuditEntry",
    "Base",
    "Counter",
    "CounterService",
    "Hall",
    "Service",
    "Staff",
    "StaffRole",
    "UTCDateTime",
    "utcnow",
]
