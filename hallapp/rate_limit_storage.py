"""The rate limiter's in-process storage ("memory://"), safe beside the requests it counts.

limits 5.8's `MemoryStorage` sweeps expired keys on a timer thread that lists the keys and
then reads each with `self.expirations[key]`, while a request's `get` may pop the same
key in between: the sweep dies with KeyError, an unhandled thread exception in the log
(and, in the suite, an error against whichever test ran then). Two requests restarting
the sweep at once can also start the same timer twice and answer 500. Upstream knows
(flask-limiter #130, limits #352); this subclass keeps limits' counting and makes the
sweep and its restart safe. Defining it registers it for the "memory" scheme, so
`RATELIMIT_STORAGE_URI = "memory://"` gets it; extensions.py imports it for that reason.
"""

import bisect
import threading
import time

from limits.storage import MemoryStorage as LimitsMemoryStorage


class MemoryStorage(LimitsMemoryStorage):
    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._sweep_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    # limits calls these two by their private (mangled) names.
    def _MemoryStorage__expire_events(self) -> None:
        now = time.time()
        for key in list(self.events):
            with self.locks[key]:
                if events := self.events.get(key):
                    oldest = bisect.bisect_left(events, -now, key=lambda event: -event.expiry)
                    self.events[key] = events[:oldest]
                if not self.events.get(key):
                    self.events.pop(key, None)
                    self.locks.pop(key, None)
        for key, expiry in list(self.expirations.items()):
            if expiry <= now:
                self.storage.pop(key, None)
                self.expirations.pop(key, None)
                self.locks.pop(key, None)

    def _MemoryStorage__schedule_expiry(self) -> None:
        with self._sweep_lock:
            if not self.timer.is_alive():
                self.timer = threading.Timer(0.01, self._MemoryStorage__expire_events)
                self.timer.daemon = True
                self.timer.start()
