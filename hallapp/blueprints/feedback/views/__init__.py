"""Citizen suggestions, screen by screen: the citizen's pages, the supervisors' desk (and
staff writing a suggestion down), and the hall's settings and figures for suggestions."""

from hallapp.blueprints.feedback.views import citizen, desk, settings  # noqa: F401
