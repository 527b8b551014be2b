"""A render cache for the live screens, per hall version.

Boards, tracking pages and devices poll every second or few; between two changes of a
hall (services/live.py bumps its version in every step's transaction) they would all
compute and render the same thing. `cached(key, build)` keeps the rendered text per
worker, keyed by what the view's answer depends on, the hall's version first among
them, so an entry can never outlive the state it showed. It wraps whatever the view
computes: build() is the view's own data gathering and rendering.
"""

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

from flask import current_app
from flask_babel import get_locale

_lock = Lock()


def _store() -> OrderedDict:
    return current_app.extensions.setdefault("hall_render_cache", OrderedDict())


def cached(key: tuple, build: Callable[[], str]) -> str:
    """The text for `key` (which must hold the hall's version), building it on a miss.
    The interface language is part of every key."""
    full = (*key, str(get_locale()))
    store = _store()
    with _lock:
        if full in store:
            store.move_to_end(full)
            return store[full]
    text = build()
    with _lock:
        store[full] = text
        while len(store) > int(current_app.config["LIVE_RENDER_CACHE_SIZE"]):
            store.popitem(last=False)
    return text
