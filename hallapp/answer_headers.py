"""The headers every answer of the hall carries, whether a view or the poll gate gives it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

Standard = list[tuple[str, str, str]]


def standard(config: Mapping[str, Any]) -> Standard:
    """(lower-case name, name, value) of the security headers, for this configuration."""
    # No inline script anywhere: htmx and our own JS come from /static only.
    headers = [
        (
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "media-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'",
        ),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if config["SESSION_COOKIE_SECURE"]:
        headers.append(("Strict-Transport-Security", f"max-age={config['HSTS_MAX_AGE']}"))
    return [(name.lower(), name, value) for name, value in headers]


def add(response: Response, *, endpoint: str | None, standard: Standard) -> None:
    # Every answer carries them, polls included: one pass over the headers, not one per
    # header, since a view may have set its own.
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    headers.extend([(name, value) for key, name, value in standard if key not in present])
    headers.add("Vary", "HX-Request")
    if endpoint and endpoint != "static" and "cache-control" not in present:
        headers.add("Cache-Control", "no-store")
