"""Who may open which page. Every view declares one policy; one hook enforces them all.

A view without a declared policy is refused, so a new route cannot slip out of the
role matrix (tests/test_access_matrix.py walks the URL map to prove it).
"""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from hallapp.extensions import htmx
from hallapp.htmx import hx_redirect, is_htmx

PUBLIC = "public"
SIGNED_IN = "signed_in"


def _declare(view: Callable, policy: str | frozenset[str]) -> Callable:
    # A plain attribute on the view function: policy_of() finds it through the URL map.
    vars(view)["hall_access"] = policy
    return view


def public(view: Callable) -> Callable:
    """Open to anyone, for citizens' screens and the login page."""
    return _declare(view, PUBLIC)


def signed_in(view: Callable) -> Callable:
    """Any signed-in staff member, whatever their roles."""
    return _declare(view, SIGNED_IN)


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """Staff holding at least one of these roles."""

    def decorate(view: Callable) -> Callable:
        return _declare(view, frozenset(roles))

    return decorate


# The room whose counters each counter role works: the hall's officers call the main hall's
# queue, the enterprise room's clerks its exclusive counters; neither serves at the other's.
COUNTER_ROOMS = {"counter": "main", "enterprise": "enterprise"}


def counter_rooms(staff: Any) -> list[str]:
    """The rooms whose counters this member of staff may take and work at."""
    return [room for role, room in COUNTER_ROOMS.items() if staff.has_role(role)]


def policy_of(endpoint: str | None) -> Any:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "hall_access", None)


def enforce_access():
    """before_request hook: the one place the role matrix is applied."""
    policy = policy_of(request.endpoint)
    if request.endpoint is None or policy == PUBLIC:
        return None
    if not current_user.is_authenticated:
        # htmx would paste a redirected login form into a panel; send the whole tab instead.
        if is_htmx():
            return hx_redirect(url_for("auth.login", next=_return_path()))
        return redirect(url_for("auth.login", next=_return_path()))
    if policy == SIGNED_IN:
        return None
    if isinstance(policy, frozenset) and current_user.has_role(*policy):
        return None
    abort(403)


def _return_path() -> str:
    """Where to come back to after signing in: the page, not the fragment htmx fetched."""
    current = htmx.current_url
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.full_path.rstrip("?")
