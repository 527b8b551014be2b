"""All models; import from here so metadata is complete for migrations and tests."""

from .audit import AuditEntry
from .base import Base, UTCDateTime, utcnow
from .calendar import DAY_KINDS, CalendarDay
from .guidance import (
    APPOINTMENT_STATES,
    CASE_KINDS,
    CASE_STATES,
    EXPRESS_STATES,
    Appointment,
    AppointmentSlot,
    CaseTopic,
    ChecklistItem,
    ChecklistVersion,
    DeskCase,
    PolicyNotice,
    PolicyNoticeTopic,
    VisitorIdentity,
)
from .hall import COUNTER_STATES, ROOMS, Counter, CounterService, Hall, Service
from .staff import ROLES, Staff, StaffRole

__all__ = [
    "APPOINTMENT_STATES",
    "CASE_KINDS",
    "CASE_STATES",
    "EXPRESS_STATES",
    "Appointment",
    "AppointmentSlot",
    "CaseTopic",
    "ChecklistItem",
    "ChecklistVersion",
    "DeskCase",
    "PolicyNotice",
    "PolicyNoticeTopic",
    "VisitorIdentity",
    "DAY_KINDS",
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
