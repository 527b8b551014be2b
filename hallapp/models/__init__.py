"""All models; import from here so metadata is complete for migrations and tests."""

from .audit import AuditEntry
from .base import Base, UTCDateTime, utcnow
from .calendar import DAY_KINDS, CalendarDay
from .feedback import (
    FOLLOW_UP_KINDS,
    OPEN_STATUSES,
    SUGGESTION_CATEGORIES,
    SUGGESTION_CHANNELS,
    SUGGESTION_STATUSES,
    URGENCIES,
    FeedbackSetting,
    ReplyDeadline,
    ReplyTemplate,
    Suggestion,
    SuggestionAction,
    SuggestionEvent,
    SuggestionFollowUp,
    SuggestionNote,
)
from .hall import COUNTER_STATES, ROOMS, Counter, CounterService, Hall, Service
from .staff import ROLES, Staff, StaffRole

__all__ = [
    "FOLLOW_UP_KINDS",
    "OPEN_STATUSES",
    "SUGGESTION_CATEGORIES",
    "SUGGESTION_CHANNELS",
    "SUGGESTION_STATUSES",
    "URGENCIES",
    "FeedbackSetting",
    "ReplyDeadline",
    "ReplyTemplate",
    "Suggestion",
    "SuggestionAction",
    "SuggestionEvent",
    "SuggestionFollowUp",
    "SuggestionNote",
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
