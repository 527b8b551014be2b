"""The guidance desk, screen by screen: the desk itself (the hall at a glance, triage,
check-in), checklists, appointments, and the cases kept open with their policy notices.

Guides work on a tablet with one hand: big targets, a search box that also takes a
card swipe, and pages that answer htmx with the piece that changed."""

from hallapp.blueprints.guidance.views import appointments, cases, checklists, desk  # noqa: F401
