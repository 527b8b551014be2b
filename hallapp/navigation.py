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
        "queue.counters",
        _l("Counter console"),
        frozenset({"counter"}),
        _l("Call, serve and transfer tickets at your counter"),
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
        "admin.audit",
        _l("Audit log"),
        frozenset({"admin", "supervisor"}),
        _l("Who changed what, and when"),
    ),
]


def items_for(user=None) -> list[NavItem]:
    """The pages this staff member may open, in menu order."""
    user = user or current_user
    if not user or not user.is_authenticated:
        return []
    return [item for item in NAV_ITEMS if user.has_role(*item.roles)]
