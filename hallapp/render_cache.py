"""What the live screens keep per worker: rendered fragments per hall version, and the few
small facts a poll needs before it knows whether anything changed.

Boards, tracking pages and devices poll every second or few; between two changes of a
hall (services/live.py bumps its version in every step's transaction) they would all
compute and render the same thing. `cached(key, build)` keeps the rendered text per
worker, keyed by what the view's answer depends on, the hall's version first among
them, so an entry can never outlive the state it showed. It wraps whatever the view
computes: build() is the view's own data gathering and rendering.

`recent(key, load)` remembers a poll's inputs (the hall's version, which hall a code
belongs to, a device's pass) for LIVE_RECENT_SECONDS of this worker's clock, so a
poll that finds nothing new touches no database; and the two facts every answer about a
ticket reads (is the hall open today, how many counters are open for a service), which
change a few times a day; and the hall and service rows an issue reads
(services/remembered.py). A screen therefore learns of a change up
to that long after it was committed; every value is read before what is rendered for it,
so a fragment is never older than the version it is filed under. `lasting(key, load)`
keeps what never changes once it exists (which hall a ticket is in) while it has room.
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Event, Lock
from typing import Any, TypeVar

from flask import current_app
from flask_babel import get_locale

from hallapp.services import live

_lock = Lock()
T = TypeVar("T")


def _store() -> OrderedDict:
    return current_app.extensions.setdefault("hall_render_cache", OrderedDict())


def cached(key: tuple, build: Callable[[], T]) -> T:
    """The text (or the state a text is rendered from) for `key`, which must hold the hall's
    version, building it on a miss. The interface language is part of every key. What is
    kept is shared by every thread of the worker: it must never be changed after.

    One thread builds a missing entry; the worker's other threads that ask for it
    meanwhile wait for it: once a worker sees a new version, every board and phone it is
    serving asks at that moment, and each would build the same thing. Should the build
    fail, a waiting thread builds it in turn."""
    full = (*key, str(get_locale()))
    store = _store()
    building = current_app.extensions.setdefault("hall_render_building", {})
    while True:
        with _lock:
            if full in store:
                store.move_to_end(full)
                return store[full]
            other = building.get(full)
            if other is None:
                mine = building[full] = Event()
                break
        other.wait(BUILD_WAIT_SECONDS)
        with _lock:  # waited its time: a stuck build is left to itself, and built again
            if building.get(full) is other and not other.is_set():
                del building[full]
    try:
        value = build()
        with _lock:
            store[full] = value
            while len(store) > int(current_app.config["LIVE_RENDER_CACHE_SIZE"]):
                store.popitem(last=False)
        return value
    finally:
        with _lock:
            if building.get(full) is mine:
                del building[full]
        mine.set()


# Longer than any render takes; past it, a waiting thread builds the entry itself.
BUILD_WAIT_SECONDS = 5.0


class Recent:
    """Values remembered for `max_age` seconds of `clock` (monotonic), at most `size` of them."""

    def __init__(
        self, max_age: float, size: int = 4096, clock: Callable[[], float] = time.monotonic
    ):
        self.max_age = max_age
        self.size = size
        self.clock = clock
        self._values: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        if self.max_age <= 0:
            return load()
        now = self.clock()
        with self._lock:
            held = self._values.get(key)
            if held is not None and now - held[0] < self.max_age:
                return held[1]
        value = load()
        self.put(key, value, at=now)
        return value

    def peek(self, key: Hashable) -> tuple[bool, Any]:
        """(True, value) when `get` would give the value without loading it, else (False, None)."""
        if self.max_age <= 0:
            return False, None
        now = self.clock()
        with self._lock:
            held = self._values.get(key)
        if held is not None and now - held[0] < self.max_age:
            return True, held[1]
        return False, None

    def put(self, key: Hashable, value: Any, at: float | None = None) -> None:
        with self._lock:
            self._values[key] = (self.clock() if at is None else at, value)
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._values.pop(key, None)


def recent_values() -> Recent:
    """This worker's store of poll inputs (tests may swap its clock)."""
    store = current_app.extensions.get("hall_recent_values")
    if store is None:
        store = current_app.extensions.setdefault(
            "hall_recent_values", Recent(float(current_app.config["LIVE_RECENT_SECONDS"]))
        )
    return store


def recent(key: Hashable, load: Callable[[], Any]) -> Any:
    """`load()`, or what it gave less than LIVE_RECENT_SECONDS ago in this worker."""
    return recent_values().get(key, load)


def lasting(key: Hashable, load: Callable[[], T | None]) -> T | None:
    """`load()`, kept by this worker while it has room for it: for a fact that never changes
    once it exists, such as which hall a ticket is in. Nothing found (None) is not kept."""
    found, value = lasting_values().peek(key)
    if found:
        return value
    value = load()
    if value is not None:
        lasting_values().put(key, value)
    return value


def lasting_values() -> Recent:
    store = current_app.extensions.get("hall_lasting_values")
    if store is None:
        store = current_app.extensions.setdefault("hall_lasting_values", Recent(math.inf, 16384))
    return store


def hall_version(hall_id: int) -> int:
    """The hall's version as a polling screen sees it: at most LIVE_RECENT_SECONDS old."""
    return recent(("version", hall_id), lambda: live.current_version(hall_id))
