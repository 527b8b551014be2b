"""The menu: each area lists its pages here once; the header and home page draw from it."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object  # a lazy string, translated when drawn
    roles: frozenset[str]
    description: object = ""


NAV_ITEMS: list[NavItem] = [
    NavItem(
        "supervision.board",
        _l("The hall now"),
        frozenset({"supervisor"}),
        _l("Who is in the hall how long, queues, counters, today's share within target"),
    ),
    NavItem(
        "hotline.desk",
        _l("Hotline desk"),
        frozenset({"hotline", "supervisor"}),
        _l("Read out a checklist, text it, book a time, record what the caller wants"),
    ),
    NavItem(
        "guidance.home",
        _l("Guidance desk"),
        frozenset({"guide", "supervisor"}),
        _l("Triage visitors, swipe cards, check in bookings"),
    ),
    NavItem(
        "guidance.appointments",
        _l("Appointments"),
        frozenset({"guide", "supervisor"}),
        _l("Slots, bookings on a citizen's behalf, CSV import"),
    ),
    NavItem(
        "guidance.cases",
        _l("Cases"),
        frozenset({"guide", "supervisor"}),
        _l("Home visits, express delivery, follow-ups on a policy"),
    ),
    NavItem(
        "guidance.checklists",
        _l("Checklists"),
        frozenset({"guide", "supervisor"}),
        _l("Documents each service needs, printable with a QR code"),
    ),
    NavItem(
        "queue.counters",
        _l("Counter console"),
        frozenset({"counter", "enterprise"}),
        _l("Call, serve and transfer tickets at your counter"),
    ),
    NavItem(
        "enterprise.enterprises",
        _l("Enterprises"),
        frozenset({"enterprise", "supervisor"}),
        _l("Hong Kong and Macau enterprises and their people"),
    ),
    NavItem(
        "enterprise.appointments",
        _l("Enterprise bookings"),
        frozenset({"enterprise", "supervisor"}),
        _l("The enterprise room's appointments for a day"),
    ),
    NavItem(
        "enterprise.figures",
        _l("Enterprise figures"),
        frozenset({"enterprise", "supervisor"}),
        _l("Enterprises and people served, by appointment and on the spot"),
    ),
    NavItem(
        "admin.services",
        _l("Services"),
        frozenset({"admin"}),
        _l("Service codes, names and rooms"),
    ),
    NavItem(
        "admin.counters",
        _l("Counters"),
        frozenset({"admin"}),
        _l("Counter numbers and the services each one serves"),
    ),
    NavItem("admin.staff", _l("Staff"), frozenset({"admin"}), _l("Accounts and roles")),
    NavItem("admin.halls", _l("Halls"), frozenset({"admin"}), _l("Branches and opening hours")),
    NavItem(
        "admin.devices",
        _l("Devices"),
        frozenset({"admin"}),
        _l("Kiosks, display boards and caller pads: tokens, last seen, revoke"),
    ),
    NavItem(
        "admin.outbox",
        _l("Text messages"),
        frozenset({"admin"}),
        _l("The text-message outbox: pending, sent, failed"),
    ),
    NavItem(
        "feedback.inbox",
        _l("Suggestions"),
        frozenset({"supervisor"}),
        _l("Citizen suggestions: triage, reply, follow up, close"),
    ),
    NavItem(
        "feedback.record",
        _l("Record a suggestion"),
        frozenset({"guide", "supervisor"}),
        _l("Write down a suggestion for a citizen: desk, paper slip, hotline"),
    ),
    NavItem(
        "feedback.figures",
        _l("Suggestion figures"),
        frozenset({"supervisor"}),
        _l("Received, replied within deadline, time to reply"),
    ),
    NavItem(
        "feedback.templates",
        _l("Reply templates"),
        frozenset({"supervisor"}),
        _l("Reply templates, reply deadlines, the display board"),
    ),
    NavItem(
        "admin.calendar",
        _l("Hall calendar"),
        frozenset({"supervisor"}),
        _l("Public holidays and make-up working days"),
    ),
    NavItem(
        "ratings.appeals",
        _l("Rating appeals"),
        frozenset({"supervisor"}),
        _l("Officers' appeals against visit ratings"),
    ),
    NavItem(
        "ratings.my_ratings",
        _l("My ratings"),
        frozenset({"counter", "enterprise"}),
        _l("How citizens rated your service; appeal an unfair rating"),
    ),
    NavItem(
        "reports.index",
        _l("Reports"),
        frozenset({"supervisor", "admin"}),
        _l("Figures for a date range with charts, exports, the daily summary"),
    ),
    NavItem(
        "reports.forecast",
        _l("Staffing forecast"),
        frozenset({"supervisor", "admin"}),
        _l("Arrivals and counters needed per hour for the next working days"),
    ),
    NavItem(
        "admin.audit",
        _l("Audit log"),
        frozenset({"admin", "supervisor"}),
        _l("Who changed what, and when"),
    ),
]


# Where a role's work starts: signing in or pressing the brand goes straight there.
ROLE_HOMES = {"hotline": "hotline.desk"}


def home_endpoint(user=None) -> str | None:
    """The page a staff member with a single role that has a home starts on, else None."""
    user = user or current_user
    if not user or not user.is_authenticated or len(user.roles) != 1:
        return None
    return ROLE_HOMES.get(next(iter(user.roles)))


def items_for(user=None) -> list[NavItem]:
    """The pages this staff member may open, in menu order."""
    user = user or current_user
    if not user or not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.has_role(*item.roles)]
