"""Addresses meant for a citizen's phone: QR codes, printed links, text messages.

Phones are outside the intranet, so these use PUBLIC_BASE_URL when it is set (the address
the public reaches the hall's pages at), not the host the staff's browser happened to use.
Every such link is built here and nowhere else.
"""

from flask import current_app, url_for


def phone_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` as a phone outside the intranet opens it."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def checklist_url(service) -> str:
    """A service's printable checklist, for the QR code on it and the text the hotline sends."""
    return phone_url(
        "guidance.print_checklist", hall_code=service.hall.code, service_code=service.code
    )


SETUP_PAGES = {"kiosk": "public.kiosk", "display": "public.display"}


def device_setup_url(kind: str, hall_code: str, token: str) -> str | None:
    """The link a new kiosk or display board opens once (typed, or scanned from the admin's
    screen) to keep its token; None for a counter's caller pad. The token rides after `#`,
    which never reaches a server or its logs."""
    if kind not in SETUP_PAGES:
        return None
    return f"{phone_url(SETUP_PAGES[kind], hall_code=hall_code)}#token={token}"
