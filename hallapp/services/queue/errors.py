"""The queue's refusals: each names the situation, in the hall's words."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from hallapp.services.errors import HallError, NotFound


class UnknownService(NotFound):
    message = _l("There is no such service in this hall.")


class UnknownTicket(NotFound):
    message = _l("There is no such ticket.")


class ServiceInactive(HallError):
    message = _l("This service is not offered at the moment.")


class DailyLimitReached(HallError):
    message = _l("All of today's tickets for this service have been given out.")


class HallClosedToday(HallError):
    message = _l("The hall is closed today.")


class OutsideOpeningHours(HallError):
    message = _l("Tickets are issued only during the hall's opening hours.")


class NoTicketsWaiting(HallError):
    message = _l("Nobody is waiting for this counter's services.")


class CounterNotOpen(HallError):
    message = _l("This counter is not open. Open it first.")


class CounterTakenMidService(HallError):
    message = _l(
        "Another officer is serving a ticket at this counter. Take it over only if they "
        "have left it."
    )


class CounterBusy(HallError):
    message = _l("This counter already has a ticket. Finish it or mark a no-show first.")


class NotAtThisCounter(HallError):
    message = _l("This ticket was called to another counter.")


class IllegalStep(HallError):
    message = _l("This step is not possible for the ticket now.")


class RecoveryWindowPassed(HallError):
    message = _l("Too long has passed since the no-show; please take a new ticket.")
