"""Only ever send people back to a page of this site."""

from urllib.parse import urlsplit

from flask import request


def safe_next(target: str | None) -> str | None:
    """The path of `target` if it points at this host, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    if parts.netloc and parts.netloc != request.host:
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
