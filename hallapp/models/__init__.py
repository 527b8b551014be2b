"""All models; import from here so metadata is complete for migrations and tests."""

from .audit import AuditEntry
from .base import Base, UTCDateTime, utcnow
from .calendar import DAY_KINDS, CalendarDay
from .enterprise import (
    APPOINTMENT_STATES,
    ENTERPRISE_STATES,
    MEMBER_ROLES,
    PLACES,
    SERVICE_MODES,
    SERVICE_OUTCOMES,
    Enterprise,
    EnterpriseAppointment,
    EnterpriseMember,
    EnterpriseMerge,
    RegistrationService,
    StaffImport,
)
from .hall import COUNTER_STATES, ROOMS, Counter, CounterService, Hall, Service
from .staff import ROLES, Staff, StaffRole

__all__ = [
    "APPOINTMENT_STATES",
    "ENTERPRISE_STATES",
    "MEMBER_ROLES",
    "PLACES",
    "SERVICE_MODES",
    "SERVICE_OUTCOMES",
    "Enterprise",
    "EnterpriseAppointment",
    "EnterpriseMember",
    "EnterpriseMerge",
    "RegistrationService",
    "StaffImport",
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
